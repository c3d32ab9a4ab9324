using System.IO;

namespace ZymAws.Engine.Pki;

/// <summary>
/// The file names a CA folder holds: New-ZymCertificateAuthority's (ca.pem, ca.key, also in its backup folders) and the
/// seed's mk_ca.sh (zk_ca.crt, zk_ca.key). Import-ZymCertificateAuthority takes such a folder for the two files.
/// </summary>
public static class CaFolder
{
    /// <summary>The certificate New-ZymCertificateAuthority writes.</summary>
    public const string CertificateFileName = "ca.pem";

    /// <summary>The key New-ZymCertificateAuthority writes.</summary>
    public const string KeyFileName = "ca.key";

    private static readonly (string Certificate, string Key)[] s_layouts =
    {
        (CertificateFileName, KeyFileName),
        ("zk_ca.crt", "zk_ca.key"), // the seed's mk_ca.sh
    };

    /// <summary>The certificate and key files of the CA in <paramref name="folder"/>, in the first layout whose certificate is there.</summary>
    /// <exception cref="ZymException">CaFolderEmpty (ObjectNotFound; Target = the folder) when no layout's certificate is there.</exception>
    public static (string CertificatePath, string KeyPath) Files(string folder)
    {
        foreach (var (certificate, key) in s_layouts)
        {
            string certificatePath = Path.Combine(folder, certificate);
            if (File.Exists(certificatePath))
            {
                return (certificatePath, Path.Combine(folder, key));
            }
        }

        throw new ZymException("CaFolderEmpty", ZymErrorCategory.ObjectNotFound,
            $"'{folder}' holds no certificate authority: expected {CertificateFileName} and {KeyFileName} (as New-ZymCertificateAuthority writes them) or zk_ca.crt and zk_ca.key (the seed's mk_ca.sh).", folder);
    }
}
