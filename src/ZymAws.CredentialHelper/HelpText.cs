namespace ZymAws.CredentialHelper;

/// <summary>--help, per command (docs/zymaws-credential.md says the same at length).</summary>
internal static class HelpText
{
    private const string Device = """
        What the device asks with (every value defaults as the seed's credentials.sh does: the certificate
        <device folder>/device.crt, where the device folder is $ZYMAWS_DEVICE_DIRECTORY or /opt/zymbit, and
        the thing name, role alias, endpoint prefix and region from its subject CN, OU, O and L):
          --certificate PATH      the device certificate (PEM or DER; further certificates are sent as its chain)
          --key PATH              a software key file (unencrypted); without it the key is the Zymkey's
          --zymkey-slot N         the Zymkey slot (default 0)
          --thing-name NAME       the x-amzn-iot-thingname header (default: the certificate's CN)
          --no-thing-name         send no thing name header
          --role-alias ALIAS      the role alias (default: OU)
          --endpoint E            a prefix, host or https URL (default: O= with L=)
          --region R              the region (default: L=, or the endpoint's)
          --connect-address H:P   connect there instead (a proxy, a local rehearsal); TLS still names the endpoint
          --server-ca PATH        trust anchors for the endpoint (default: <device folder>/credentials-provider-ca.pem
                                  when it exists, else the system trust store)
          --cache-dir DIR         the owner-only credentials cache shared by every process of the user
                                  (default: $XDG_CACHE_HOME/zymaws/credentials, else ~/.cache/zymaws/credentials)
          --library-path PATH     libzk_app_utils (default: $ZYMKEY_LIBRARY_PATH, /usr/lib, /usr/local/lib)
          -v, --verbose           say on stderr what is done
        """;

    private const string Exits = """
        Exit codes: 0 done; 1 the credentials provider refused (its status and message are printed); 2 usage;
        3 the device's setup (certificate, key, Zymkey, trust anchor, a missing value, a file); 4 try again later
        (endpoint unreachable or busy); 5 a fault in the helper.
        """;

    public static string For(string? command) => command switch
    {
        HelperArguments.CredentialProcess => $"""
            Usage: zymaws-credential credential-process [options]

            Prints credential_process JSON (Version 1, the real expiry) on stdout and nothing else, for a profile's
            credential_process (Install-ZymCredentialProcess writes one). Answered from the cache while the credentials
            have more than five minutes left; otherwise fetched over mutual TLS, once however many processes ask at once.
            On failure, the reason (the endpoint's status and message) on stderr and a non-zero exit.

              --refresh               ignore cached credentials and fetch anew

            {Device}
            {Exits}
            """,
        HelperArguments.Serve => $"""
            Usage: zymaws-credential serve [--port N] [--env-file PATH] [--role-name NAME] [--no-imds] [options]

            Serves the device's credentials on 127.0.0.1 for SDKs that run without a profile, until SIGINT/SIGTERM.
            Prints the variables an SDK needs as KEY=VALUE lines (or writes them owner-only to --env-file instead):
              AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:<port>/credentials
              AWS_CONTAINER_AUTHORIZATION_TOKEN=<a token generated at start; requests without it are refused>
              AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:<port>/   (IMDSv2: PUT /latest/api/token first)
            Credentials are fetched at start and again five minutes before they expire; none are ever served with
            less than five minutes left. Without credentials, requests get an error with the reason.

              --port N                the loopback port (default 9911; 0 picks a free one)
              --env-file PATH         write the variables to this owner-only file instead of stdout (removed when
                                      serve stops): the token stays out of a service's journal
              --role-name NAME        the role name the metadata protocol lists (default: the role alias)
              --no-imds               serve the container protocol only (the metadata protocol has no shared
                                      secret: any local process that can make a PUT gets credentials)

            {Device}
            {Exits}
            """,
        HelperArguments.Update => $"""
            Usage: zymaws-credential update --profile NAME [--credentials-file PATH] [--once] [options]

            Keeps profile NAME of the shared credentials file fresh: aws_access_key_id, aws_secret_access_key and
            aws_session_token, rewritten five minutes before the credentials expire, atomically, the rest of the
            file kept as it is, under a lock so several writers lose nothing. Runs until SIGINT/SIGTERM; a failed
            refresh is retried (5 s, doubling to 5 min).

              --profile NAME          the profile to write
              --credentials-file PATH the file (default: $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials)
              --once                  write once and exit

            {Device}
            {Exits}
            """,
        HelperArguments.Inspect => $"""
            Usage: zymaws-credential inspect [--json] [--check-key] [options]

            Shows what the helper would use: the certificate's subject fields, the endpoint, URL and region, where
            each value comes from, the server trust, the key source, and what the cache holds. Makes no request.

              --json                  as JSON
              --check-key             also open the key and check that it is the certificate's

            {Device}
            {Exits}
            """,
        _ => $"""
            Usage: zymaws-credential <command> [options]

            Temporary AWS credentials for this device from the AWS IoT credentials provider, over mutual TLS signed by
            the device key (in the Zymkey, or a key file). Only a command's answer goes to stdout; diagnostics go to stderr.

            Commands:
              credential-process      credential_process JSON for an AWS CLI / SDK profile
              serve                   a loopback endpoint: container credentials (ECS) and instance metadata (IMDSv2)
              update                  keep a profile of the shared credentials file fresh
              inspect                 what would be used, and the cache's state; no request

            zymaws-credential <command> --help tells more. --version prints the version.

            {Exits}
            """,
    };
}
