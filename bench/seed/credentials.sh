#!/usr/bin/env bash
# The seed's credentials.sh, as it works (../shared/seed/scripts.md): curl with the device certificate and key, jq to pick
# the fields, credential_process JSON (here with the real expiry rather than "now + 120 s"). A fresh mutual-TLS request on
# every call: the seed has no cache. For the benchmarks, against the local credentials endpoint (--resolve to 127.0.0.1).
# Arguments: certificate key server-ca endpoint-host port thing-name role-alias
set -euo pipefail
json=$(curl -s --fail --cert "$1" --key "$2" --cacert "$3" --resolve "$4:$5:127.0.0.1" -H "x-amzn-iot-thingname: $6" "https://$4:$5/role-aliases/$7/credentials")
echo "$json" | jq '{Version: 1, AccessKeyId: .credentials.accessKeyId, SecretAccessKey: .credentials.secretAccessKey, SessionToken: .credentials.sessionToken, Expiration: .credentials.expiration}'
