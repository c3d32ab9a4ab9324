using System.Collections.Generic;

namespace ZymAws.Engine.Aws;

/// <summary>One page of a list operation; pass <see cref="NextToken"/> back to get the next page (null: last page).</summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed record AwsPage<T>(IReadOnlyList<T> Items, string? NextToken);
