using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using Xunit;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Tests;

/// <summary>The async cmdlet base's pump, hosted in a real runspace.</summary>
public sealed class PumpTests
{
    private static PowerShell Shell()
    {
        var state = InitialSessionState.CreateDefault2();
        foreach (var (name, type) in new[]
        {
            ("Test-LateWrites", typeof(TestLateWritesCommand)),
            ("Test-ErrorThenWork", typeof(TestErrorThenWorkCommand)),
            ("Test-Terminate", typeof(TestTerminateCommand)),
            ("Test-WindDown", typeof(TestWindDownCommand)),
        })
        {
            state.Commands.Add(new SessionStateCmdletEntry(name, type, null));
        }

        return PowerShell.Create(state);
    }

    [Fact]
    public void WritesFromBackgroundWork_AfterTheirPhaseEnded_AllReachThePipeline()
    {
        using var ps = Shell();
        ps.AddCommand("Test-LateWrites").AddParameter("Verbose");
        var output = ps.Invoke(new[] { 1, 2, 3, 4, 5 }).Select(o => (int)o.BaseObject).ToList();

        Assert.Equal(new[] { 10, 20, 30, 40, 50 }, output.Take(5).Order());
        Assert.Equal(-1, output.Last());
        Assert.Equal(5, ps.Streams.Verbose.Count(v => v.Message.StartsWith("late ", StringComparison.Ordinal)));
        Assert.False(ps.HadErrors);
    }

    [Fact]
    public async Task ShouldProcessWaitingInTheQueue_IsCancelledWhenThePipelineStops()
    {
        // No phase is running (as between two pipeline records): the question from background work waits in the queue.
        using var cmdlet = new TestIdleCommand();
        Task<bool> question = null!;
        await Task.Run(() =>
        {
            question = cmdlet.Pipeline.ShouldProcessAsync("target", "action");
        });
        await Task.Delay(50);
        Assert.False(question.IsCompleted);

        cmdlet.Stop();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => question.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void ErrorActionStop_OnABackgroundError_StopsTheWorkAndFailsTheCommand()
    {
        using var ps = Shell();
        ps.AddCommand("Test-ErrorThenWork").AddParameter("ErrorAction", ActionPreference.Stop);
        using var output = new PSDataCollection<PSObject>();
        var thrown = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke<PSObject, PSObject>(null, output, new PSInvocationSettings()));

        Assert.Contains("the first item failed", thrown.Message);
        Assert.True(TestErrorThenWorkCommand.WorkStopped);

        // What the work still writes as it winds down (results of what was in flight) reaches the pipeline before the
        // error surfaces: after -ErrorAction Stop the pipeline still takes objects.
        Assert.Equal("written after the stop", Assert.Single(output).BaseObject);
    }

    [Fact]
    public void ErrorActionStop_StopWorkRuns_AndItsResultsAndWarningsAreWrittenBeforeTheErrorSurfaces()
    {
        using var ps = Shell();
        ps.AddCommand("Test-WindDown").AddParameter("ErrorAction", ActionPreference.Stop);
        using var output = new PSDataCollection<PSObject>();
        using var input = new PSDataCollection<int>(new[] { 1, 2, 3 });
        input.Complete();
        var thrown = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke<int, PSObject>(input, output, new PSInvocationSettings()));

        Assert.True(thrown.Message.Contains("item 2 failed", StringComparison.Ordinal), thrown.ToString());
        Assert.Equal(new object[] { 1, "finished while stopping" }, output.Select(o => o.BaseObject));
        Assert.Contains(ps.Streams.Warning, w => w.Message == "left: nothing");
    }

    [Fact]
    public void Stopped_StopWorkRuns_AndItsWarningReachesTheHost()
    {
        using var ps = Shell();
        ps.AddCommand("Test-WindDown").AddParameter("WaitForStop");
        var input = new PSDataCollection<int>(new[] { 1 });
        input.Complete();
        var handle = ps.BeginInvoke(input);
        Assert.True(TestWindDownCommand.Waiting.Wait(TimeSpan.FromSeconds(30)));

        ps.Stop();

        Assert.True(handle.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)));
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.True(TestWindDownCommand.WoundDown);
        Assert.Contains(ps.Streams.Warning, w => w.Message == "left: nothing");
    }

    [Fact]
    public void ErrorActionContinue_OnABackgroundError_WritesItAndGoesOn()
    {
        using var ps = Shell();
        ps.AddCommand("Test-ErrorThenWork").AddParameter("WaitSeconds", 0);
        var output = ps.Invoke();

        Assert.Equal("not stopped", Assert.Single(output).BaseObject);
        var error = Assert.Single(ps.Streams.Error);
        Assert.Equal("item-1", error.TargetObject);
        Assert.StartsWith("UnexpectedError", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.False(TestErrorThenWorkCommand.WorkStopped);
    }

    [Theory]
    [InlineData(false, "WidgetInvalid", ErrorCategory.InvalidArgument, "widget-8")]
    [InlineData(true, "WidgetMissing", ErrorCategory.ObjectNotFound, "widget-7")]
    public void TerminatingErrorsFromAsyncWork_KeepTheirIdCategoryAndTarget(bool engineError, string errorId, ErrorCategory category, string target)
    {
        using var ps = Shell();
        ps.AddCommand("Test-Terminate");
        if (engineError)
        {
            ps.AddParameter("EngineError");
        }

        var thrown = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());
        var record = thrown.ErrorRecord;
        Assert.StartsWith(errorId, record.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(category, record.CategoryInfo.Category);
        Assert.Equal(target, record.TargetObject);
    }

    /// <summary>
    /// Writes go through one explicit path: no method of the cmdlet assembly but <see cref="PipelineThread"/>'s calls
    /// Cmdlet's own Write* methods (which work only on the pipeline thread and would fail from background work).
    /// </summary>
    [Fact]
    public void OnlyPipelineThread_CallsCmdletWriteMethods()
    {
        var assembly = typeof(ZymAsyncCmdlet).Assembly;
        var offenders = new List<string>();
        foreach (var type in assembly.GetTypes())
        {
            if (type == typeof(PipelineThread) || type.DeclaringType == typeof(PipelineThread))
            {
                continue;
            }

            const BindingFlags all = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
            foreach (MethodBase method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                foreach (var called in CalledMethods(method))
                {
                    if (called.DeclaringType == typeof(Cmdlet) && called.Name.StartsWith("Write", StringComparison.Ordinal))
                    {
                        offenders.Add($"{type.FullName}.{method.Name} calls Cmdlet.{called.Name}");
                    }
                }
            }
        }

        Assert.Empty(offenders);
    }

    private static IEnumerable<MethodBase> CalledMethods(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is InvalidOperationException or BadImageFormatException)
        {
            il = null;
        }

        if (il is null)
        {
            yield break;
        }

        for (int i = 0; i + 4 < il.Length; i++)
        {
            // call (0x28), callvirt (0x6F), ldftn (0xFE 0x06) followed by a method token.
            if (il[i] is 0x28 or 0x6F || (il[i] == 0x06 && i > 0 && il[i - 1] == 0xFE))
            {
                int token = BitConverter.ToInt32(il, i + 1);
                MethodBase? called = null;
                try
                {
                    called = method.Module.ResolveMethod(token, method.DeclaringType?.GetGenericArguments(), method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException or MissingMethodException)
                {
                }

                if (called is not null)
                {
                    yield return called;
                }
            }
        }
    }
}
