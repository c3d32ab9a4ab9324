using System.Runtime.CompilerServices;

// The PKI benchmark switches the signature backend (platform vs BouncyCastle) to report both.
[assembly: InternalsVisibleTo("ZymAws.Bench.Pki")]
