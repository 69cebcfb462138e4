namespace UserApi.Authentication;

/// <summary>Marks an endpoint that still accepts an access token whose session was revoked (logout is idempotent).</summary>
public sealed class AllowRevokedSessionMetadata
{
    public static readonly AllowRevokedSessionMetadata Instance = new();
}
