namespace ZymAws.Engine.CredentialProvider;

/// <summary>What a setup step did to one AWS resource.</summary>
public enum SetupOutcome
{
    /// <summary>The resource did not exist and was created.</summary>
    Created,

    /// <summary>The resource already existed as asked; nothing was changed.</summary>
    Existing,

    /// <summary>The resource existed and was changed to match (trust policy, attached policies, alias target...).</summary>
    Updated,

    /// <summary>A change was needed but the shouldProcess callback declined it (-WhatIf / -Confirm "No"): nothing was changed.</summary>
    Skipped,
}
