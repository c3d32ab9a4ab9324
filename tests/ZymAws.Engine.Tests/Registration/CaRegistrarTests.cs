using Xunit;
using ZymAws.Engine.Aws;
using ZymAws.Engine.Pki;
using ZymAws.Engine.Registration;
using ZymAws.Engine.Tests.Infrastructure;

namespace ZymAws.Engine.Tests.Registration;

/// <summary>Register-ZymCaWithAws's flow (describe → register → race → activate) and the one "is this CA registered" rule, against moto.</summary>
[Collection(MotoCollection.Name)]
public sealed class CaRegistrarTests
{
    private readonly MotoServer _moto;

    public CaRegistrarTests(MotoServer moto)
    {
        _moto = moto;
    }

    private static CaSigner NewCa() => CaSigner.Create("CN=Registrar CA " + Guid.NewGuid().ToString("N")[..12] + ",O=ZymAws Tests");

    [Fact]
    public async Task Default_RegistersWithAVerificationCertificate_AndASecondCallFindsIt()
    {
        using var ca = NewCa();
        using var session = _moto.CreateSession();
        var registrar = new CaRegistrar(session);
        Assert.Null(await registrar.FindAsync(ca.Certificate));

        var asked = new List<string>();
        var first = await registrar.RegisterAsync(ca, new CaRegistrationOptions { SetActive = true }, (target, action) =>
        {
            asked.Add(action);
            return Task.FromResult(true);
        });

        Assert.NotNull(first);
        Assert.False(first!.AlreadyRegistered);
        Assert.Equal(ca.CertificateId, first.Description.CertificateId);
        Assert.Equal(IotCertificateStatus.Active, first.Description.Status);
        Assert.Contains("CN=", CertificateFacts.Parse(first.VerificationCertificatePem!).Subject);
        Assert.Equal(ca.Subject, CertificateFacts.Parse(first.VerificationCertificatePem!).Issuer);
        Assert.Contains(asked, a => a.Contains("DEFAULT mode"));

        var found = await registrar.FindAsync(ca.Certificate);
        Assert.Equal(ca.CertificateId, found!.CertificateId);

        var second = await registrar.RegisterAsync(ca, new CaRegistrationOptions { SetActive = true });
        Assert.True(second!.AlreadyRegistered);
        Assert.Null(second.VerificationCertificatePem);
        Assert.Equal(first.Description.CertificateArn, second.Description.CertificateArn);
    }

    [Fact]
    public async Task SniOnly_WithSetActive_IsActivatedInASecondCall()
    {
        using var ca = NewCa();
        var log = new CapturingEngineLog();
        using var session = _moto.CreateSession(log);
        var outcome = await new CaRegistrar(session).RegisterAsync(ca, new CaRegistrationOptions { SniOnly = true, SetActive = true });

        Assert.False(outcome!.AlreadyRegistered);
        Assert.Null(outcome.VerificationCertificatePem);
        Assert.Equal(IotCertificateStatus.Active, outcome.Description.Status);
        Assert.DoesNotContain(log.Lines, l => l.Message.Contains("GetRegistrationCode"));
        Assert.Contains(log.Lines, l => l.Message.Contains("UpdateCACertificate"));
    }

    [Fact]
    public async Task AlreadyRegisteredInactive_IsActivatedOnlyWhenConfirmed()
    {
        using var ca = NewCa();
        using var session = _moto.CreateSession();
        var registrar = new CaRegistrar(session);
        var inactive = await registrar.RegisterAsync(ca, new CaRegistrationOptions());
        Assert.NotEqual(IotCertificateStatus.Active, inactive!.Description.Status);

        var declined = await registrar.RegisterAsync(ca, new CaRegistrationOptions { SetActive = true }, (_, _) => Task.FromResult(false));
        Assert.True(declined!.AlreadyRegistered);
        Assert.NotEqual(IotCertificateStatus.Active, declined.Description.Status);

        var activated = await registrar.RegisterAsync(ca, new CaRegistrationOptions { SetActive = true }, (_, action) => Task.FromResult(action.StartsWith("Activate", StringComparison.Ordinal)));
        Assert.True(activated!.AlreadyRegistered);
        Assert.Equal(IotCertificateStatus.Active, activated.Description.Status);
    }

    [Fact]
    public async Task Declined_RegistersNothing()
    {
        using var ca = NewCa();
        using var session = _moto.CreateSession();
        var registrar = new CaRegistrar(session);

        Assert.Null(await registrar.RegisterAsync(ca, new CaRegistrationOptions { SetActive = true }, (_, _) => Task.FromResult(false)));
        Assert.Null(await registrar.FindAsync(ca.Certificate));
    }

    [Fact]
    public async Task RegisteredConcurrentlyBySomeoneElse_IsReportedAsItIs()
    {
        using var ca = NewCa();
        using var session = _moto.CreateSession();
        var registrar = new CaRegistrar(session);

        // Between our look and our registration, another client registers the CA (SNI_ONLY, so INACTIVE).
        var outcome = await registrar.RegisterAsync(ca, new CaRegistrationOptions { SetActive = true }, async (_, _) =>
        {
            using var other = _moto.CreateSession();
            await other.Iot.RegisterCaCertificateAsync(new IotRegisterCaCertificateRequest(ca.CertificatePem) { CertificateMode = "SNI_ONLY" });
            return true;
        });

        Assert.True(outcome!.AlreadyRegistered);
        Assert.Null(outcome.VerificationCertificatePem);
        Assert.Equal(ca.CertificateId, outcome.Description.CertificateId);
    }
}
