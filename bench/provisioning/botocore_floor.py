"""The floor moto allows: the seed's per-device calls made with botocore (the AWS CLI's own library) in one
Python process, THREADS devices at a time. Prints one JSON line: {"devices": N, "threads": T, "seconds": S}."""
import argparse
import concurrent.futures
import json
import os
import time

import botocore.config
import botocore.session

parser = argparse.ArgumentParser()
parser.add_argument("--endpoint", required=True)
parser.add_argument("--dir", required=True)
parser.add_argument("--devices", type=int, required=True)
parser.add_argument("--threads", type=int, required=True)
parser.add_argument("--policy", required=True)
parser.add_argument("--prefix", default="boto")
args = parser.parse_args()

session = botocore.session.get_session()
client = session.create_client(
    "iot",
    region_name="us-east-1",
    endpoint_url=args.endpoint,
    aws_access_key_id="testing",
    aws_secret_access_key="testing-secret",
    config=botocore.config.Config(max_pool_connections=max(10, args.threads), retries={"max_attempts": 5, "mode": "standard"}),
)
ca = open(os.path.join(args.dir, "ca.pem")).read()
certs = [open(os.path.join(args.dir, f"device-{i:04d}.pem")).read() for i in range(args.devices)]


def provision(i):
    name = f"{args.prefix}-{i:04d}"
    registered = client.register_certificate(certificatePem=certs[i], caCertificatePem=ca, setAsActive=True)
    client.create_thing(thingName=name)
    client.attach_thing_principal(thingName=name, principal=registered["certificateArn"])
    client.get_policy(policyName=args.policy)
    client.attach_policy(policyName=args.policy, target=registered["certificateArn"])


start = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
    list(pool.map(provision, range(args.devices)))
seconds = time.perf_counter() - start
print(json.dumps({"devices": args.devices, "threads": args.threads, "seconds": seconds}))
