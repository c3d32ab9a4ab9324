"""moto_server, configured to behave like AWS IoT where the module depends on it.

Tests and the demo start moto through this launcher; nothing in the module's own code works around moto.
Each patch below makes moto do what AWS IoT does (see ../shared/reference/aws-iot.md); where AWS's exact
behaviour is not documented, the choice is marked UNVERIFIED.

- Certificate ids: moto 5 names certificates by the SHA-256 of their PEM text unless its `iot.use_valid_cert`
  setting is on; AWS names them by the SHA-256 of the DER bytes. The setting is turned on.
- GetRegistrationCode: moto makes a random UUID on every call; AWS's code is 64 hex digits, one per account and
  region. Here it is derived from the account and region.
- DescribeEndpoint: moto makes a new random host on every call; AWS's endpoint prefix is stable for an account and
  region. Here it is derived from the account, region and endpoint type.
- CreateCertificateFromCsr: moto signs a certificate for a fresh RSA key of its own; AWS IoT issues the certificate
  for the CSR's public key (the device keeps its key). Here a per-process "AWS IoT" issuer signs the CSR's key.
- RegisterCertificate: moto finds the CA only when `caCertificatePem` is byte-for-byte the registered PEM text, and
  never without it; AWS finds it by the certificate (same DER; or, without caCertificatePem, the registered CA whose
  subject is the certificate's issuer and whose key verifies its signature).
- RegisterCACertificate: moto silently replaces a CA registered before (resetting its status); AWS refuses a second
  registration of the same certificate with ResourceAlreadyExistsException (resourceId, resourceArn), as here.
- DescribeCertificate: AWS includes caCertificateId and the certificate's own validity; moto leaves out the first
  and makes up the second.
- ListCACertificates: missing in moto; added.
- Paging: moto returns every item at once from ListCertificates, ListCertificatesByCA, ListPrincipalThings,
  ListThingPrincipals, ListAttachedPolicies, ListTargetsForPolicy, ListPolicies and ListRoleAliases; AWS pages them (at most 250 a page, marker /
  nextMarker or nextToken). Here they page as AWS does. Default page size when none is asked for: 25 (UNVERIFIED).
  ListCertificates* come newest first unless ascendingOrder=true, as AWS documents.

Usage: python3 tools/moto_server.py -H 127.0.0.1 -p PORT
"""
import base64
import hashlib
import sys
from datetime import timedelta

from moto.core.config import default_user_config

default_user_config["iot"]["use_valid_cert"] = True

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402
from moto.core.utils import utcnow  # noqa: E402
from moto.iot import models as iot_models  # noqa: E402
from moto.iot.exceptions import InvalidRequestException, ResourceAlreadyExistsException  # noqa: E402
from moto.iot.responses import IoTResponse  # noqa: E402

MAX_PAGE = 250
DEFAULT_PAGE = 25  # UNVERIFIED: AWS does not document the default page size.

# --- DescribeEndpoint: one stable host per account, region and endpoint type -------------------------------------


def _stable_describe_endpoint(self, endpoint_type):
    endpoint = iot_models.FakeEndpoint(endpoint_type, self.region_name)  # validates the type
    digest = hashlib.sha256(f"{self.account_id}/{self.region_name}/{endpoint_type}".encode()).hexdigest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    identifier = "c" + "".join(alphabet[int(digest[i:i + 2], 16) % 36] for i in range(0, 26, 2))
    random_part = endpoint.endpoint.split(".", 1)[0].replace("-ats", "")
    endpoint.endpoint = endpoint.endpoint.replace(random_part, identifier, 1)
    self.endpoint = endpoint
    return endpoint


iot_models.IoTBackend.describe_endpoint = _stable_describe_endpoint

# --- GetRegistrationCode: 64 hex digits, one per account and region ------------------------------------------------


def _registration_code(self):
    return hashlib.sha256(f"{self.account_id}/{self.region_name}/registration-code".encode()).hexdigest()


iot_models.IoTBackend.get_registration_code = _registration_code

# --- CreateCertificateFromCsr: the CSR's own key, signed by an "AWS IoT" issuer -----------------------------------
_issuer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_issuer_name = x509.Name([
    x509.NameAttribute(x509.NameOID.ORGANIZATIONAL_UNIT_NAME, "Amazon Web Services O=Amazon.com Inc. L=Seattle ST=Washington C=US"),
])


def _create_certificate_from_csr(self, csr, set_as_active):
    request = x509.load_pem_x509_csr(csr.encode("utf-8"))
    if not request.is_signature_valid:
        raise InvalidRequestException("The certificate signing request is not valid.")
    now = utcnow()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(request.subject)
        .issuer_name(_issuer_name)
        .public_key(request.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now.replace(year=2049))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(_issuer_key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return self.register_certificate(pem, ca_certificate_pem=None, set_as_active=set_as_active, status="INACTIVE")


iot_models.IoTBackend.create_certificate_from_csr = _create_certificate_from_csr

# --- RegisterCertificate: find the CA by the certificate, as AWS does ----------------------------------------------


def _load(pem):
    try:
        return x509.load_pem_x509_certificate(pem.encode("utf-8"))
    except Exception:
        return None


def _signed_by(certificate, ca):
    key = ca.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(certificate.signature, certificate.tbs_certificate_bytes, padding.PKCS1v15(), certificate.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(certificate.signature, certificate.tbs_certificate_bytes, ec.ECDSA(certificate.signature_hash_algorithm))
        else:
            return False
        return True
    except Exception:
        return False


_certificate_being_registered = {}


def _find_ca_certificate(self, ca_certificate_pem):
    if ca_certificate_pem:
        wanted = _load(ca_certificate_pem)
        if wanted is None:
            return None
        der = wanted.public_bytes(serialization.Encoding.DER)
        for ca in self.ca_certificates.values():
            loaded = _load(ca.certificate_pem)
            if loaded is not None and loaded.public_bytes(serialization.Encoding.DER) == der:
                return ca.certificate_id
        return None
    certificate = _certificate_being_registered.get("pem")
    certificate = _load(certificate) if certificate else None
    if certificate is None:
        return None
    for ca in self.ca_certificates.values():
        loaded = _load(ca.certificate_pem)
        if loaded is not None and loaded.subject == certificate.issuer and _signed_by(certificate, loaded):
            return ca.certificate_id
    return None


_original_register_certificate = iot_models.IoTBackend.register_certificate


def _register_certificate(self, certificate_pem, ca_certificate_pem, set_as_active, status):
    _certificate_being_registered["pem"] = certificate_pem
    try:
        return _original_register_certificate(self, certificate_pem, ca_certificate_pem, set_as_active, status)
    finally:
        _certificate_being_registered.pop("pem", None)


iot_models.IoTBackend._find_ca_certificate = _find_ca_certificate
iot_models.IoTBackend.register_certificate = _register_certificate

# --- RegisterCACertificate: a CA registered before is refused, not replaced -----------------------------------------
_original_register_ca_certificate = iot_models.IoTBackend.register_ca_certificate


def _register_ca_certificate(self, ca_certificate, set_as_active, registration_config):
    loaded = _load(ca_certificate)
    if loaded is not None:
        certificate_id = hashlib.sha256(loaded.public_bytes(serialization.Encoding.DER)).hexdigest()
        existing = self.ca_certificates.get(certificate_id)
        if existing is not None:
            raise ResourceAlreadyExistsException("The certificate is already provisioned or registered", certificate_id, existing.arn)
    return _original_register_ca_certificate(self, ca_certificate, set_as_active, registration_config)


iot_models.IoTBackend.register_ca_certificate = _register_ca_certificate

# --- DescribeCertificate: caCertificateId and the certificate's own validity ---------------------------------------
_original_description = iot_models.FakeCertificate.to_description_dict


def _to_description_dict(self):
    description = _original_description(self)
    if not isinstance(self, iot_models.FakeCaCertificate):
        description["caCertificateId"] = self.ca_certificate_id
    loaded = _load(self.certificate_pem)
    if loaded is not None:
        description["validity"] = {"notBefore": loaded.not_valid_before_utc, "notAfter": loaded.not_valid_after_utc}
    return description


iot_models.FakeCertificate.to_description_dict = _to_description_dict

# --- Paging ---------------------------------------------------------------------------------------------------------


def _page(response, items, size_param, token_param):
    size = response._get_int_param(size_param) or DEFAULT_PAGE
    if size < 1 or size > MAX_PAGE:
        raise InvalidRequestException(f"{size_param} must be between 1 and {MAX_PAGE}.")
    token = response._get_param(token_param)
    start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    end = start + size
    following = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], following


def _ordered_certificates(response, certificates):
    ordered = sorted(certificates, key=lambda c: c.creation_date)
    return ordered if response._get_bool_param("ascendingOrder") else list(reversed(ordered))


def _list_certificates(self):
    items = _ordered_certificates(self, list(self.iot_backend.certificates.values()))
    page, following = _page(self, items, "pageSize", "marker")
    return ActionResult({"certificates": [c.to_dict() for c in page], "nextMarker": following})


def _list_certificates_by_ca(self):
    ca_id = self._get_param("caCertificateId")
    items = _ordered_certificates(self, self.iot_backend.list_certificates_by_ca(ca_id))
    page, following = _page(self, items, "pageSize", "marker")
    return ActionResult({"certificates": [c.to_dict() for c in page], "nextMarker": following})


def _list_ca_certificates(self):
    items = _ordered_certificates(self, list(self.iot_backend.ca_certificates.values()))
    page, following = _page(self, items, "pageSize", "marker")
    summaries = [{
        "certificateArn": c.arn,
        "certificateId": c.certificate_id,
        "status": c.status,
        "creationDate": c.creation_date,
    } for c in page]
    return ActionResult({"certificates": summaries, "nextMarker": following})


def _list_principal_things(self):
    principal = self.headers.get("x-amzn-principal")
    page, following = _page(self, self.iot_backend.list_principal_things(principal_arn=principal), "maxResults", "nextToken")
    return ActionResult({"things": page, "nextToken": following})


def _list_thing_principals(self):
    thing_name = self._get_param("thingName")
    page, following = _page(self, self.iot_backend.list_thing_principals(thing_name=thing_name), "maxResults", "nextToken")
    return ActionResult({"principals": page, "nextToken": following})


def _list_attached_policies(self):
    target = self._get_param("target")
    page, following = _page(self, self.iot_backend.list_attached_policies(target=target), "pageSize", "marker")
    return ActionResult({"policies": [p.to_dict() for p in page], "nextMarker": following})


def _list_targets_for_policy(self):
    policy_name = self._get_param("policyName")
    page, following = _page(self, self.iot_backend.list_targets_for_policy(policy_name=policy_name), "pageSize", "marker")
    return ActionResult({"targets": page, "nextMarker": following})


def _list_policies(self):
    page, following = _page(self, list(self.iot_backend.list_policies()), "pageSize", "marker")
    return ActionResult({"policies": [p.to_dict() for p in page], "nextMarker": following})


def _list_role_aliases(self):
    page, following = _page(self, [a.role_alias for a in self.iot_backend.list_role_aliases()], "pageSize", "marker")
    return ActionResult({"roleAliases": page, "nextMarker": following})


IoTResponse.list_policies = _list_policies
IoTResponse.list_role_aliases = _list_role_aliases
IoTResponse.list_certificates = _list_certificates
IoTResponse.list_certificates_by_ca = _list_certificates_by_ca
IoTResponse.list_ca_certificates = _list_ca_certificates
IoTResponse.list_principal_things = _list_principal_things
IoTResponse.list_thing_principals = _list_thing_principals
IoTResponse.list_attached_policies = _list_attached_policies
IoTResponse.list_targets_for_policy = _list_targets_for_policy

from moto.server import main  # noqa: E402  (after the patches, on purpose)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
