using Xunit;
using ZymAws.Engine.Keys;

namespace ZymAws.Engine.Tests.Pki;

public sealed class DeviceKeyOwnersTests
{
    [Fact]
    public void ASecondDeviceOnOneKey_IsRefused_TheSameDeviceAgainIsNot()
    {
        var owners = new DeviceKeyOwners();
        owners.Claim("Software key /k/one.key", "a-1", "a-1");
        owners.Claim("Software key /k/one.key", "a-1", "a-1");
        owners.Claim("Software key /k/two.key", "a-2", "a-2");
        var error = Assert.Throws<ZymException>(() => owners.Claim("Software key /k/one.key", "a-3", "target-a-3"));
        Assert.Equal("DeviceKeyShared", error.ErrorId);
        Assert.Equal("target-a-3", error.Target);
        Assert.Contains("'a-3' would share its key (Software key /k/one.key) with 'a-1'", error.Message);
        owners.Claim("Zymkey slot 0", "z-1", null);
        Assert.Throws<ZymException>(() => owners.Claim("Zymkey slot 0", "z-2", null));
    }
}
