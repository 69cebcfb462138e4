namespace UserApi.Accounts;

/// <summary>The first of a request's required fields that is missing, as a validation failure.</summary>
internal static class Required
{
    public static Failure? Missing(params (string Field, string? Value)[] fields) =>
        fields.FirstOrDefault(f => f.Value is null) is { Field: { } field } ? Failure.Validation(field, "is required") : null;
}
