using System.Management.Automation;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// Whether PowerShell's ShouldProcess would ask the user about an action of a given impact, decided as PowerShell
/// decides it: -WhatIf (or $WhatIfPreference) answers instead of asking; -Confirm asks and -Confirm:$false does not;
/// otherwise it asks when the impact is at least $ConfirmPreference (None: never). Read on the pipeline thread.
/// Used where one command's actions differ in impact (replacing a CA is High, creating one Medium) and where work that
/// turns out to need no change must not be asked about.
/// </summary>
internal static class Confirmation
{
    public static bool WouldAsk(PSCmdlet cmdlet, ConfirmImpact impact)
    {
        if (impact == ConfirmImpact.None || IsWhatIf(cmdlet))
        {
            return false;
        }

        if (cmdlet.MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm))
        {
            return LanguagePrimitives.IsTrue(confirm);
        }

        var preference = cmdlet.SessionState.PSVariable.GetValue("ConfirmPreference");
        if (!LanguagePrimitives.TryConvertTo(PSValues.Unwrap(preference), out ConfirmImpact threshold))
        {
            threshold = ConfirmImpact.High;
        }

        return threshold != ConfirmImpact.None && impact >= threshold;
    }

    public static bool IsWhatIf(PSCmdlet cmdlet) => cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value)
        ? LanguagePrimitives.IsTrue(value)
        : LanguagePrimitives.IsTrue(PSValues.Unwrap(cmdlet.SessionState.PSVariable.GetValue("WhatIfPreference")));
}
