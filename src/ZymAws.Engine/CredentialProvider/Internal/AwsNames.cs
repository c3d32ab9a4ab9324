using System;
using System.Text.RegularExpressions;

namespace ZymAws.Engine.CredentialProvider.Internal;

/// <summary>Name rules from the botocore service models, partitions and ARNs.</summary>
internal static class AwsNames
{
    /// <summary>The service principal of the AWS IoT credentials provider.</summary>
    public const string CredentialsProviderPrincipal = "credentials.iot.amazonaws.com";

    private static readonly Regex s_roleName = new(@"^[\w+=,.@-]{1,64}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_policyName = new(@"^[\w+=,.@-]{1,128}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_roleAlias = new(@"^[\w=,@-]{1,128}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_thingName = new(@"^[a-zA-Z0-9:_-]{1,128}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_attributeName = new(@"^[a-zA-Z0-9_.,@/:#-]{1,128}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_attributeValue = new(@"^[a-zA-Z0-9_.,@/:#=\[\]-]{0,800}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_thingTypeName = new(@"^[a-zA-Z0-9:_-]{1,128}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_roleArn = new(@"^arn:[\w-]+:iam::\d{12}:role/(?:[\x21-\x7E]*/)?([\w+=,.@-]{1,64})$", RegexOptions.CultureInvariant);

    public static bool IsRoleName(string? value) => value is not null && s_roleName.IsMatch(value);

    public static bool IsPolicyName(string? value) => value is not null && s_policyName.IsMatch(value);

    public static bool IsRoleAlias(string? value) => value is not null && s_roleAlias.IsMatch(value);

    public static bool IsThingName(string? value) => value is not null && s_thingName.IsMatch(value);

    public static bool IsThingTypeName(string? value) => value is not null && s_thingTypeName.IsMatch(value);

    public static bool IsAttributeName(string? value) => value is not null && s_attributeName.IsMatch(value);

    public static bool IsAttributeValue(string? value) => value is not null && s_attributeValue.IsMatch(value);

    /// <summary>The role name in an IAM role ARN (the last path segment), or null if it is not a role ARN.</summary>
    public static string? RoleNameFromArn(string? arn)
    {
        if (arn is null)
        {
            return null;
        }

        var match = s_roleArn.Match(arn);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The ARN partition of a region: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b.</summary>
    public static string Partition(string region)
    {
        if (region.StartsWith("cn-", StringComparison.Ordinal))
        {
            return "aws-cn";
        }

        if (region.StartsWith("us-gov-", StringComparison.Ordinal))
        {
            return "aws-us-gov";
        }

        if (region.StartsWith("us-isob-", StringComparison.Ordinal))
        {
            return "aws-iso-b";
        }

        return region.StartsWith("us-iso-", StringComparison.Ordinal) ? "aws-iso" : "aws";
    }

    /// <summary>arn:PARTITION:iot:REGION:ACCOUNT:RESOURCE.</summary>
    public static string IotArn(string region, string account, string resource) => $"arn:{Partition(region)}:iot:{region}:{account}:{resource}";

    /// <summary>arn:PARTITION:iam::ACCOUNT:role/PATH NAME.</summary>
    public static string RoleArn(string region, string account, string? path, string roleName)
    {
        string p = string.IsNullOrEmpty(path) ? "/" : path!;
        return $"arn:{Partition(region)}:iam::{account}:role{p}{roleName}";
    }
}
