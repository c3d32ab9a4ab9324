using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Xunit;
using ZymAws.Zymkey;

namespace ZymAws.Engine.Tests.Zymkey;

/// <summary>DeviceId: the documented recipe, its stability and sensitivity. Needs no native library.</summary>
public sealed class DeviceIdTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zym-deviceid-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void InputsUsed_NamesExactlyWhatTheHashTakes_AllZeroAndEmptyValuesAbsent()
    {
        var inputs = new DeviceIdInputs
        {
            ZymkeySerial = "ZK-1",
            MachineId = "00000000000000000000000000000000",
            CpuSerial = "  ",
            Extra = new Dictionary<string, string> { ["board"] = "rev2", ["empty"] = "" },
        };

        Assert.Equal(new[] { "ZymkeySerial", "Extra:board" }, DeviceId.InputsUsed(inputs));
        // The all-zero machine id and the blank values change nothing: the id is that of the serial and the board.
        var same = new DeviceIdInputs { ZymkeySerial = "ZK-1", Extra = new Dictionary<string, string> { ["board"] = "rev2" } };
        Assert.Equal(DeviceId.Compute(same), DeviceId.Compute(inputs));
    }

    [Fact]
    public void IdFollowsTheDocumentedRecipe()
    {
        var inputs = new DeviceIdInputs
        {
            ZymkeySerial = "ZK-123",
            MachineId = "0123456789ABCDEF0123456789abcdef\n",
            CpuSerial = "10000000abcdef01",
            Extra = new Dictionary<string, string> { ["site"] = "lab", ["asset"] = "A-7" },
        };

        // An independent rendering of the recipe in DeviceId's doc comment.
        var bytes = new List<byte>();
        void Field(string s)
        {
            var b = Encoding.UTF8.GetBytes(s);
            var len = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(len, (uint)b.Length);
            bytes.AddRange(len);
            bytes.AddRange(b);
        }

        foreach (var (label, value) in new[]
                 {
                     ("recipe", "zym-device-id/v1"), ("zymkey-serial", "ZK-123"),
                     ("machine-id", "0123456789abcdef0123456789abcdef"), ("cpu-serial", "10000000abcdef01"),
                     ("extra:asset", "A-7"), ("extra:site", "lab"),
                 })
        {
            Field(label);
            Field(value);
        }

        var expected = "zym-" + Convert.ToHexString(SHA256.HashData(bytes.ToArray()), 0, 16).ToLowerInvariant();
        Assert.Equal(expected, DeviceId.Compute(inputs));
    }

    [Fact]
    public void SameInputsGiveTheSameValidThingName()
    {
        var inputs = new DeviceIdInputs { ZymkeySerial = "ZK-1", MachineId = "abc" };

        var id = DeviceId.Compute(inputs);

        Assert.Equal(id, DeviceId.Compute(inputs with { }));
        Assert.Matches("^zym-[0-9a-f]{32}$", id);
        Assert.True(DeviceId.IsValidThingName(id));
        Assert.False(DeviceId.IsValidThingName("has space"));
        Assert.False(DeviceId.IsValidThingName(new string('a', 129)));
    }

    [Fact]
    public void AnyChangedInputChangesTheId()
    {
        var baseline = new DeviceIdInputs { ZymkeySerial = "ZK-1", MachineId = "aa", CpuSerial = "bb" };
        var ids = new[]
        {
            baseline,
            baseline with { ZymkeySerial = "ZK-2" },
            baseline with { MachineId = "ab" },
            baseline with { CpuSerial = "bc" },
            baseline with { CpuSerial = null },
            baseline with { Extra = new Dictionary<string, string> { ["site"] = "x" } },
            // the same characters split differently between fields
            new DeviceIdInputs { ZymkeySerial = "ZK-1a", MachineId = "a", CpuSerial = "bb" },
        }.Select(DeviceId.Compute).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void NormalisationIgnoresWhitespaceHexCaseAndExtraOrder()
    {
        var a = new DeviceIdInputs
        {
            ZymkeySerial = " ZK-1\n", MachineId = "ABCDEF\n", CpuSerial = "10000000ABCDEF01\0",
            Extra = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" },
        };
        var b = new DeviceIdInputs
        {
            ZymkeySerial = "ZK-1", MachineId = "abcdef", CpuSerial = "10000000abcdef01",
            Extra = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" },
        };

        Assert.Equal(DeviceId.Compute(a), DeviceId.Compute(b));
        // the Zymkey serial is opaque: its case matters
        Assert.NotEqual(DeviceId.Compute(b), DeviceId.Compute(b with { ZymkeySerial = "zk-1" }));
        // an all-zero CPU serial (boards without one) counts as absent
        Assert.Equal(DeviceId.Compute(b with { CpuSerial = null }), DeviceId.Compute(b with { CpuSerial = "0000000000000000" }));
    }

    [Fact]
    public void NoInputsIsAClearError()
    {
        var e = Assert.Throws<ZymException>(() => DeviceId.Compute(new DeviceIdInputs { MachineId = " \n" }));

        Assert.Equal("DeviceIdInputsMissing", e.ErrorId);
        Assert.Equal(ZymErrorCategory.InvalidData, e.Category);
    }

    [Fact]
    public void HostInputsComeFromMachineIdAndCpuInfo()
    {
        var paths = Paths(machineId: "0f0e0d0c0b0a09080706050403020100\n",
            cpuInfo: "processor\t: 0\nHardware\t: BCM2835\nRevision\t: c03111\nSerial\t\t: 10000000ABCDEF01\nModel\t\t: Raspberry Pi 4\n",
            deviceTree: "ffffffffffffffff\0");

        var inputs = DeviceIdInputs.FromHost("ZK-9", paths);

        Assert.Equal("ZK-9", inputs.ZymkeySerial);
        Assert.Equal("0f0e0d0c0b0a09080706050403020100\n", inputs.MachineId);
        Assert.Equal("10000000ABCDEF01", inputs.CpuSerial); // cpuinfo wins over the device tree
    }

    [Fact]
    public void DeviceTreeSerialIsUsedWhenCpuInfoHasNone_AndMissingFilesAreAbsent()
    {
        var withDeviceTree = DeviceIdInputs.FromHost(null, Paths(machineId: null, cpuInfo: "processor\t: 0\n", deviceTree: "10000000abcdef01\0"));
        var nothing = DeviceIdInputs.FromHost(null, Paths(machineId: null, cpuInfo: null, deviceTree: null));

        Assert.Equal("10000000abcdef01\0", withDeviceTree.CpuSerial);
        Assert.Null(withDeviceTree.MachineId);
        Assert.Equal(
            DeviceId.Compute(new DeviceIdInputs { CpuSerial = "10000000abcdef01" }),
            DeviceId.Compute(withDeviceTree));
        Assert.Null(nothing.CpuSerial);
        Assert.Null(nothing.MachineId);
        Assert.Throws<ZymException>(() => DeviceId.Compute(nothing));
    }

    private DeviceIdHostPaths Paths(string? machineId, string? cpuInfo, string? deviceTree)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, Guid.NewGuid().ToString("N"))).FullName;
        string Write(string name, string? content)
        {
            var path = Path.Combine(dir, name);
            if (content is not null)
            {
                File.WriteAllText(path, content);
            }

            return path;
        }

        return new DeviceIdHostPaths
        {
            MachineId = Write("machine-id", machineId),
            CpuInfo = Write("cpuinfo", cpuInfo),
            DeviceTreeSerial = Write("serial-number", deviceTree),
        };
    }
}

/// <summary>DeviceId of a (simulated) Zymkey through the real P/Invoke path.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class ZymkeyDeviceIdTests
{
    private readonly SimulatorFixture _fixture;

    public ZymkeyDeviceIdTests(SimulatorFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void SameDeviceSameId_OtherSerialOtherId()
    {
        var host = new DeviceIdHostPaths { MachineId = "/nonexistent/machine-id", CpuInfo = "/nonexistent/cpuinfo", DeviceTreeSerial = "/nonexistent/sn" };
        using var sim = new SimulatedZymkey(_fixture, serial: "ZK4I-000123");
        string first;
        using (var device = sim.Open())
        {
            first = device.GetDeviceId(host);
            Assert.Equal(first, device.GetDeviceId(host));
        }

        using (var again = sim.Open())
        {
            Assert.Equal(first, again.GetDeviceId(host));
            Assert.Equal(DeviceId.Compute(new DeviceIdInputs { ZymkeySerial = "ZK4I-000123" }), first);
        }

        SimulatorEnvironment.Set("ZK_SIM_SERIAL", "ZK4I-000124");
        using var other = sim.Open();
        Assert.NotEqual(first, other.GetDeviceId(host));
        Assert.True(DeviceId.IsValidThingName(first));
    }

    [Fact]
    public void DefaultHostInputsGiveAStableId()
    {
        using var sim = new SimulatedZymkey(_fixture);
        using var device = sim.Open();

        Assert.Equal(device.GetDeviceId(), device.GetDeviceId());
    }
}
