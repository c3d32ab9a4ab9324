namespace ZymAws.Provisioning.Infrastructure;

/// <summary>
/// Where each cmdlet's online help lives, for <c>Get-Help -Online</c>: <see cref="DocsBaseUri"/> (generated at build
/// from ZymDocsBaseUri in Directory.Build.props) plus the help page's file name, <c>Verb-Noun.md</c>.
/// </summary>
internal static partial class HelpLinks
{
}
