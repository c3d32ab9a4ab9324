"""moto_server, configured to behave like AWS IoT where the module depends on it.

moto 5 names certificates by the SHA-256 of their PEM text unless its `iot.use_valid_cert` setting is on; AWS
names them by the SHA-256 of the DER bytes, and the module finds certificates it registered earlier by that id.
moto_server has no switch for the setting, so this launcher turns it on and then runs moto_server's own main().
Usage: python3 tools/moto_server.py -H 127.0.0.1 -p PORT
"""
import sys

from moto.core.config import default_user_config

default_user_config["iot"]["use_valid_cert"] = True

from moto.server import main  # noqa: E402  (after the setting, on purpose)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
