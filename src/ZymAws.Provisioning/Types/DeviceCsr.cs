using EnginePki = ZymAws.Engine.Pki;

namespace ZymAws.Provisioning;

/// <summary>
/// A device's certificate signing request, with the seed's subject layout read back (ST = IoT policy, L = region,
/// O = credentials-endpoint prefix, OU = role alias, CN = thing name). Pipe it to Approve-ZymDeviceCsr.
/// </summary>
public sealed class DeviceCsr
{
    internal DeviceCsr(EnginePki.SigningRequest engine, string keySource, string? path)
    {
        Engine = engine;
        KeySource = keySource;
        Path = path;
    }

    internal EnginePki.SigningRequest Engine { get; }

    public string ThingName => Engine.ThingName;

    public string? IotPolicy => Engine.DeviceSubject.IotPolicy;

    public string? Region => Engine.DeviceSubject.Region;

    public string? CredentialEndpoint => Engine.DeviceSubject.CredentialEndpoint;

    public string? RoleAlias => Engine.DeviceSubject.RoleAlias;

    public string Subject => Engine.Subject;

    public string KeyAlgorithm => Engine.KeyAlgorithm;

    /// <summary>Where the signing key lives: "Software key &lt;path&gt;" or "Zymkey slot N".</summary>
    public string KeySource { get; }

    public string CsrPem => Engine.Pem;

    /// <summary>The file the CSR was written to or read from, if any.</summary>
    public string? Path { get; }

    public override string ToString() => Subject;
}
