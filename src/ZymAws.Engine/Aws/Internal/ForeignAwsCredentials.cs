using System;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace ZymAws.Engine.Aws.Internal;

/// <summary>
/// Adapts an AWSCredentials object from another copy of AWSSDK.Core (AWS.Tools loaded in the default load context)
/// by reflection. Every request asks the foreign object again, so its own refresh logic (SSO, assume-role,
/// instance profile) keeps working. ToString() never shows a secret.
/// </summary>
internal sealed class ForeignAwsCredentials : AWSCredentials
{
    private readonly object _foreign;
    private readonly MethodInfo _getCredentials;
    private readonly MethodInfo? _getCredentialsAsync;

    private ForeignAwsCredentials(object foreign, MethodInfo getCredentials, MethodInfo? getCredentialsAsync)
    {
        _foreign = foreign;
        _getCredentials = getCredentials;
        _getCredentialsAsync = getCredentialsAsync;
    }

    /// <summary>The foreign type's full name, for messages.</summary>
    public string ForeignTypeName => _foreign.GetType().FullName ?? _foreign.GetType().Name;

    /// <summary>
    /// Turns a -Credential or $StoredAWSCredentials value into credentials usable here: our own AWSCredentials as is,
    /// a PSObject unwrapped, a foreign AWSCredentials (anything with GetCredentials() returning an object with
    /// AccessKey/SecretKey/Token) adapted, an AWSPSCredentials-like object through its Credentials property.
    /// </summary>
    public static bool TryAdapt(object? value, out AWSCredentials? credentials, out string typeName)
    {
        credentials = null;
        typeName = value?.GetType().FullName ?? "null";
        for (int depth = 0; value is not null && depth < 4; depth++)
        {
            value = UnwrapPSObject(value);
            typeName = value.GetType().FullName ?? value.GetType().Name;
            if (value is AWSCredentials own)
            {
                credentials = own;
                return true;
            }

            var type = value.GetType();
            var getCredentials = type.GetMethod("GetCredentials", BindingFlags.Public | BindingFlags.Instance, null, Type.EmptyTypes, null);
            if (getCredentials is not null && getCredentials.ReturnType != typeof(void) && HasCredentialProperties(getCredentials.ReturnType))
            {
                var getAsync = type.GetMethod("GetCredentialsAsync", BindingFlags.Public | BindingFlags.Instance, null, Type.EmptyTypes, null);
                if (getAsync is not null && !typeof(Task).IsAssignableFrom(getAsync.ReturnType))
                {
                    getAsync = null;
                }

                credentials = new ForeignAwsCredentials(value, getCredentials, getAsync);
                return true;
            }

            var inner = type.GetProperty("Credentials", BindingFlags.Public | BindingFlags.Instance);
            if (inner is null || inner.GetIndexParameters().Length != 0)
            {
                return false;
            }

            value = inner.GetValue(value);
        }

        return false;
    }

    public override ImmutableCredentials GetCredentials()
    {
        object? result;
        try
        {
            result = _getCredentials.Invoke(_foreign, null);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw Unavailable(ex.InnerException);
        }

        return Convert(result);
    }

    public override async Task<ImmutableCredentials> GetCredentialsAsync()
    {
        if (_getCredentialsAsync is null)
        {
            return GetCredentials();
        }

        Task task;
        try
        {
            task = (Task)_getCredentialsAsync.Invoke(_foreign, null)!;
            await task.ConfigureAwait(false);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw Unavailable(ex.InnerException);
        }
        catch (Exception ex) when (ex is not ZymException)
        {
            throw Unavailable(ex);
        }

        return Convert(task.GetType().GetProperty("Result")?.GetValue(task));
    }

    public override string ToString() => $"ForeignAwsCredentials({ForeignTypeName})";

    private static bool HasCredentialProperties(Type type)
    {
        return type.GetProperty("AccessKey") is not null && type.GetProperty("SecretKey") is not null;
    }

    private ImmutableCredentials Convert(object? foreignImmutable)
    {
        if (foreignImmutable is null)
        {
            throw new ZymException("AwsCredentialsUnavailable", ZymErrorCategory.AuthenticationError,
                $"The credentials object {ForeignTypeName} returned no credentials.", ForeignTypeName);
        }

        var type = foreignImmutable.GetType();
        string? accessKey = type.GetProperty("AccessKey")?.GetValue(foreignImmutable) as string;
        string? secretKey = type.GetProperty("SecretKey")?.GetValue(foreignImmutable) as string;
        string? token = type.GetProperty("Token")?.GetValue(foreignImmutable) as string;
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            throw new ZymException("AwsCredentialsUnavailable", ZymErrorCategory.AuthenticationError,
                $"The credentials object {ForeignTypeName} returned an empty access key or secret key.", ForeignTypeName);
        }

        return new ImmutableCredentials(accessKey, secretKey, string.IsNullOrEmpty(token) ? null : token);
    }

    private ZymException Unavailable(Exception inner)
    {
        return new ZymException("AwsCredentialsUnavailable", ZymErrorCategory.AuthenticationError,
            $"The credentials object {ForeignTypeName} could not produce credentials: {inner.GetType().Name}: {inner.Message}", ForeignTypeName, inner);
    }

    private static object UnwrapPSObject(object value)
    {
        // The engine has no PowerShell reference: recognise a PSObject by name and take its BaseObject.
        var type = value.GetType();
        if (type.FullName == "System.Management.Automation.PSObject")
        {
            var baseObject = type.GetProperty("BaseObject")?.GetValue(value);
            if (baseObject is not null && !ReferenceEquals(baseObject, value))
            {
                return baseObject;
            }
        }

        return value;
    }
}
