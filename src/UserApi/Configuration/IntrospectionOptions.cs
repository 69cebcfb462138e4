namespace UserApi.Configuration;

/// <summary>The <c>Introspection</c> section: the services allowed to ask <c>POST /token/introspect</c> (RFC 7662 §2.1).</summary>
public sealed class IntrospectionOptions
{
    public const string SectionName = "Introspection";

    /// <summary>Each client authenticates with HTTP Basic, <c>Id</c> and <c>Secret</c> (RFC 6749 §2.3.1); none: every caller is refused.</summary>
    public List<IntrospectionClientOptions> Clients { get; set; } = [];
}

public sealed class IntrospectionClientOptions
{
    public string Id { get; set; } = "";

    public string Secret { get; set; } = "";
}
