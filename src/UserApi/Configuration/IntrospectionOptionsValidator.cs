using Microsoft.Extensions.Options;

namespace UserApi.Configuration;

/// <summary>Start-up checks of the <c>Introspection</c> section, a line per problem.</summary>
public sealed class IntrospectionOptionsValidator : IValidateOptions<IntrospectionOptions>
{
    public ValidateOptionsResult Validate(string? name, IntrospectionOptions options)
    {
        var problems = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var client = options.Clients[i];
            var key = $"Introspection.Clients[{i}]";
            // RFC 7617 §2: the user-id of Basic credentials cannot contain a colon.
            if (string.IsNullOrWhiteSpace(client.Id) || client.Id.Contains(':', StringComparison.Ordinal))
            {
                problems.Add($"{key}.Id '{client.Id}' is not a client id: name the calling service, without ':' (e.g. orders-api).");
            }
            else if (!ids.TryAdd(client.Id, i))
            {
                problems.Add($"{key}.Id '{client.Id}' is also the id of Introspection.Clients[{ids[client.Id]}]: give every client its own id.");
            }
            if (Secrets.Problem($"{key}.Secret", client.Secret) is { } problem)
            {
                problems.Add(problem);
            }
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
