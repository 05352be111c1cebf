curl --request GET \
  --url 'https://{yourDomain}/api/v2/organizations/ORG_ID/enabled_connections' \
  --header 'authorization: Bearer MGMT_API_ACCESS_TOKEN'
