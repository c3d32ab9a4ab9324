using System.Management.Automation;
using ZymAws.Zymkey;

namespace ZymAws.Provisioning.Infrastructure;

/// <summary>Base of the cmdlets that talk to the Zymkey: where to find libzk_app_utils.</summary>
public abstract class ZymkeyCmdlet : ZymAsyncCmdlet
{
    /// <summary>
    /// The libzk_app_utils library (a file, or a folder holding it). Default: $env:ZYMKEY_LIBRARY_PATH, then
    /// /usr/lib and /usr/local/lib, then the system loader.
    /// </summary>
    [Parameter]
    public string? LibraryPath { get; set; }

    /// <summary>Where to find the library, from -LibraryPath.</summary>
    internal ZymkeyOptions ZymkeyOptions => LibraryPath is null ? ZymkeyOptions.Default : ZymkeyOptions.Default with { LibraryPath = LibraryPath };

    /// <summary>Opens (a lease on) the Zymkey; the caller disposes it.</summary>
    internal ZymkeyDevice OpenZymkey() => ZymkeyDevice.Open(ZymkeyOptions, Log);
}
