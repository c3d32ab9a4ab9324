using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ZymAws.Engine;
using ZymAws.Engine.Aws;
using ZymAws.Provisioning.Infrastructure;

namespace ZymAws.Provisioning.Commands;

/// <summary>
/// Sets the session's defaults for the module's cmdlets once — region, profile, endpoint, CA — as entries of
/// $PSDefaultParameterValues (one per cmdlet that has the parameter), so a runbook or a prompt need not repeat them.
/// A parameter given on a command line still wins.
/// </summary>
[Cmdlet(VerbsCommon.Set, "ZymAwsDefault", HelpUri = HelpLinks.DocsBaseUri + "Set-ZymAwsDefault.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ZymAwsDefault))]
public sealed class SetZymAwsDefaultCommand : ZymAsyncCmdlet
{
    /// <summary>The AWS region of every cmdlet that calls AWS.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(AwsRegionCompleter))]
    public string? Region { get; set; }

    /// <summary>The shared-config profile every cmdlet that calls AWS uses.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(AwsProfileCompleter))]
    public string? ProfileName { get; set; }

    /// <summary>An endpoint for IoT, IAM and STS (e.g. a local moto_server).</summary>
    [Parameter]
    public string? EndpointUrl { get; set; }

    /// <summary>The CA of Approve-ZymDeviceCsr and Invoke-ZymDeviceProvisioning (a CA object), or AwsIot / None for Invoke-ZymDeviceProvisioning.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(CertificateAuthorityModeCompleter))]
    public PSObject? CertificateAuthority { get; set; }

    /// <summary>Write the defaults set.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var settings = new (string Name, object? Value)[]
        {
            ("Region", Region), ("ProfileName", ProfileName), ("EndpointUrl", EndpointUrl), ("CertificateAuthority", CertificateAuthority?.BaseObject),
        }.Where(s => s.Value is not null).ToList();
        if (settings.Count == 0)
        {
            throw Terminate(ErrorRecords.InvalidArgument("DefaultNotGiven", "Give at least one of -Region, -ProfileName, -EndpointUrl and -CertificateAuthority.", null));
        }

        var dictionary = SessionDefaults.Dictionary(this);
        // A region is checked against the SDK's list unless an emulator answers (an endpoint given, set, or in the environment).
        string? endpoint = EndpointUrl
            ?? SessionDefaults.Read(dictionary).First(d => d.Setting == "EndpointUrl").Value as string
            ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        foreach (var (name, value) in settings)
        {
            string[] keys;
            object? stored = value;
            try
            {
                (keys, stored) = Validate(name, value!, endpoint);
            }
            catch (ZymException e)
            {
                Pipeline.WriteError(e, value);
                continue;
            }

            if (!await Pipeline.ShouldProcessAsync("$PSDefaultParameterValues", $"Set the default -{name} of {keys.Length} cmdlet(s) to '{stored}'"))
            {
                continue;
            }

            foreach (string key in SessionDefaults.Keys(name))
            {
                dictionary.Remove(key);
            }

            foreach (string key in keys)
            {
                dictionary[key] = stored;
            }

            if (PassThru)
            {
                Pipeline.WriteObject(new ZymAwsDefault(name, stored, keys.Select(k => k.Substring(0, k.IndexOf(':'))).ToList(), keys.Length));
            }
        }
    }

    private (string[] Keys, object Value) Validate(string name, object value, string? endpoint)
    {
        string[] all = SessionDefaults.Keys(name).ToArray();
        switch (name)
        {
            case "Region":
                string region = ((string)value).Trim().ToLowerInvariant();
                if (string.IsNullOrEmpty(endpoint) && !AwsRegions.IsKnown(region))
                {
                    throw AwsRegions.Unknown((string)value, "-Region");
                }

                return (all, region);
            case "EndpointUrl":
                if (!Uri.TryCreate((string)value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new ZymException("EndpointUrlInvalid", ZymErrorCategory.InvalidArgument, $"-EndpointUrl must be an http:// or https:// URL; got '{value}'.", value);
                }

                return (all, (string)value);
            case "ProfileName":
                if (!AwsNameLister.Profiles().Contains((string)value, StringComparer.Ordinal))
                {
                    Pipeline.WriteWarning($"There is no profile '{value}' in the shared config or credentials file yet; the cmdlets will fail until it exists.");
                }

                return (all, (string)value);
            default:
                return value switch
                {
                    CertificateAuthority ca => (all, ca),
                    string mode when string.Equals(mode, "AwsIot", StringComparison.OrdinalIgnoreCase) || string.Equals(mode, "None", StringComparison.OrdinalIgnoreCase)
                        => (all.Where(k => k.StartsWith("Invoke-ZymDeviceProvisioning:", StringComparison.Ordinal)).ToArray(), mode),
                    _ => throw new ZymException("CertificateAuthorityInvalid", ZymErrorCategory.InvalidArgument,
                        "-CertificateAuthority takes a CA object (New-ZymCertificateAuthority, Import-ZymCertificateAuthority), or 'AwsIot' or 'None' (Invoke-ZymDeviceProvisioning only).", value),
                };
        }
    }
}
