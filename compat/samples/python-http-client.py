import http.client

conn = http.client.HTTPSConnection("{yourDomain}")

headers = { 'authorization': "Bearer MGMT_API_ACCESS_TOKEN" }

conn.request("GET", "/api/v2/organizations/ORG_ID/enabled_connections", headers=headers)

res = conn.getresponse()
data = res.read()

print(data.decode("utf-8"))
