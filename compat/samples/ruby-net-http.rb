require 'uri'
require 'net/http'
require 'openssl'

url = URI("https://{yourDomain}/api/v2/organizations/ORG_ID/enabled_connections")

http = Net::HTTP.new(url.host, url.port)
http.use_ssl = true
http.verify_mode = OpenSSL::SSL::VERIFY_NONE

request = Net::HTTP::Get.new(url)
request["authorization"] = 'Bearer MGMT_API_ACCESS_TOKEN'

response = http.request(request)
puts response.read_body
