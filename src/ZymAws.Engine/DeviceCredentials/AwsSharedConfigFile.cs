using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using ZymAws.Engine.Internal;
using ZymAws.Engine.IO;

namespace ZymAws.Engine.DeviceCredentials;

/// <summary>
/// Edits one profile of an AWS shared config file (~/.aws/config: "[profile name]", "[default]") or credentials file
/// (~/.aws/credentials: "[name]") the way the AWS CLI reads them, keeping everything else byte for byte: other profiles,
/// comments, keys of the same profile that are not being set. Written atomically (a reader sees the old or the new file,
/// never half), owner-only, under an exclusive lock file so several writers do not lose each other's changes.
/// </summary>
public static class AwsSharedConfigFile
{
    /// <summary>The shared config file: $AWS_CONFIG_FILE, else ~/.aws/config.</summary>
    public static string DefaultConfigPath => Environment.GetEnvironmentVariable("AWS_CONFIG_FILE") is { Length: > 0 } path
        ? path
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "config");

    /// <summary>The shared credentials file: $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials.</summary>
    public static string DefaultCredentialsPath => Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } path
        ? path
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials");

    /// <summary>
    /// Sets <paramref name="values"/> in profile <paramref name="profile"/> (a null value removes the key), creating the
    /// profile (and the file and its folder) when missing. Returns whether the file changed.
    /// </summary>
    /// <param name="credentialsFile">True for a credentials file (sections are "[name]"), false for a config file ("[profile name]", "[default]").</param>
    /// <exception cref="ZymException">ProfileNameInvalid, FileAccessDenied, FileWriteFailed, ConfigFileBusy.</exception>
    public static bool SetProfile(string path, string profile, IReadOnlyList<KeyValuePair<string, string?>> values, bool credentialsFile)
    {
        if (string.IsNullOrWhiteSpace(profile) || profile.IndexOfAny(new[] { '[', ']', '\r', '\n' }) >= 0 || profile.Trim() != profile)
        {
            throw new ZymException("ProfileNameInvalid", ZymErrorCategory.InvalidArgument, $"'{profile}' cannot be a profile name.", profile);
        }

        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            SecureFile.CreatePrivateDirectory(folder!);
        }

        using (Lock(full + ".lock"))
        {
            string existing = File.Exists(full) ? File.ReadAllText(full) : string.Empty;
            string updated = Apply(existing, SectionName(profile, credentialsFile), values);
            if (updated == existing && File.Exists(full))
            {
                return false;
            }

            SecureFile.WriteAllText(full, updated, overwrite: true, ownerOnly: true);
            return true;
        }
    }

    /// <summary>The values of one profile, or null when it is not in the file.</summary>
    public static IReadOnlyDictionary<string, string>? ReadProfile(string path, string profile, bool credentialsFile)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var lines = Split(File.ReadAllText(path));
        var (start, end) = Find(lines, SectionName(profile, credentialsFile));
        if (start < 0)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = start + 1; i < end; i++)
        {
            if (KeyOf(lines[i]) is { } key)
            {
                result[key] = lines[i].Substring(lines[i].IndexOf('=') + 1).Trim();
            }
        }

        return result;
    }

    /// <summary>The profile names a file holds ("[name]" in a credentials file; "[default]" and "[profile name]" in a config file, not its sso-session or services sections).</summary>
    public static IReadOnlyList<string> ProfileNames(string path, bool credentialsFile)
    {
        if (!File.Exists(path))
        {
            return Array.Empty<string>();
        }

        var names = new List<string>();
        foreach (string line in Split(File.ReadAllText(path)))
        {
            string trimmed = line.Trim();
            if (!trimmed.StartsWith("[", StringComparison.Ordinal) || !trimmed.EndsWith("]", StringComparison.Ordinal))
            {
                continue;
            }

            string section = trimmed.Substring(1, trimmed.Length - 2).Trim();
            if (credentialsFile || section == "default")
            {
                names.Add(section);
            }
            else if (section.StartsWith("profile ", StringComparison.Ordinal))
            {
                names.Add(section.Substring("profile ".Length).Trim());
            }
        }

        return names;
    }

    /// <summary>The section header name of a profile: "default", "profile name" (config) or "name" (credentials).</summary>
    internal static string SectionName(string profile, bool credentialsFile) =>
        credentialsFile || profile == "default" ? profile : "profile " + profile;

    /// <summary>The file text with the values set in the section (pure; for tests).</summary>
    internal static string Apply(string text, string section, IReadOnlyList<KeyValuePair<string, string?>> values)
    {
        string newline = text.Contains("\r\n") ? "\r\n" : "\n";
        var lines = Split(text);
        var (start, end) = Find(lines, section);
        if (start < 0)
        {
            // A new section at the end, after a blank line.
            while (lines.Count > 0 && lines[lines.Count - 1].Trim().Length == 0)
            {
                lines.RemoveAt(lines.Count - 1);
            }

            if (lines.Count > 0)
            {
                lines.Add(string.Empty);
            }

            lines.Add("[" + section + "]");
            lines.AddRange(values.Where(v => v.Value is not null).Select(v => $"{v.Key} = {v.Value}"));
            return string.Join(newline, lines) + newline;
        }

        var pending = values.ToList();
        for (int i = start + 1; i < end; i++)
        {
            string? key = KeyOf(lines[i]);
            int match = key is null ? -1 : pending.FindIndex(v => string.Equals(v.Key, key, StringComparison.OrdinalIgnoreCase));
            if (match < 0)
            {
                continue;
            }

            if (pending[match].Value is null)
            {
                lines.RemoveAt(i);
                i--;
                end--;
            }
            else
            {
                lines[i] = $"{pending[match].Key} = {pending[match].Value}";
            }

            pending.RemoveAt(match);
        }

        // Keys not yet in the section go after its last non-blank line.
        int insertAt = end;
        while (insertAt > start + 1 && lines[insertAt - 1].Trim().Length == 0)
        {
            insertAt--;
        }

        lines.InsertRange(insertAt, pending.Where(v => v.Value is not null).Select(v => $"{v.Key} = {v.Value}"));
        return string.Join(newline, lines) + newline;
    }

    private static List<string> Split(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').ToList();
        if (lines.Count > 0 && lines[lines.Count - 1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    /// <summary>The header line of a section and the line after its last (the next header, or the end).</summary>
    private static (int Start, int End) Find(List<string> lines, string section)
    {
        int start = -1;
        for (int i = 0; i < lines.Count; i++)
        {
            string trimmed = lines[i].Trim();
            if (trimmed.StartsWith("[", StringComparison.Ordinal) && trimmed.EndsWith("]", StringComparison.Ordinal))
            {
                if (start >= 0)
                {
                    return (start, i);
                }

                string name = string.Join(" ", trimmed.Substring(1, trimmed.Length - 2).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries));
                if (string.Equals(name, section, StringComparison.Ordinal))
                {
                    start = i;
                }
            }
        }

        return (start, lines.Count);
    }

    private static string? KeyOf(string line)
    {
        string trimmed = line.TrimStart();
        if (trimmed.Length == 0 || trimmed[0] is '#' or ';' || char.IsWhiteSpace(line.Length > 0 ? line[0] : 'x'))
        {
            // Comments, blanks, and indented lines (sub-settings / continuations) are never a key of the section.
            return null;
        }

        int eq = trimmed.IndexOf('=');
        return eq > 0 ? trimmed.Substring(0, eq).Trim() : null;
    }

    private static IDisposable Lock(string path)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(20);
            }
            catch (IOException e)
            {
                throw new ZymException("ConfigFileBusy", ZymErrorCategory.ResourceBusy, $"Another process holds '{path}'.", path, e);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new ZymException("FileAccessDenied", ZymErrorCategory.PermissionDenied, $"Cannot lock '{path}': {e.Message}", path, e);
            }
        }
    }
}
