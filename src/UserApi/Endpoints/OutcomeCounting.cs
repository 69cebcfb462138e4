using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Contracts;
using UserApi.Diagnostics;

namespace UserApi.Endpoints;

/// <summary>
/// Counts what a route answered, by outcome: <c>succeeded</c> or the problem's stable code. One filter for every
/// counted route, so no use case counts itself. A request that ends in an exception (a store outage) is not counted.
/// </summary>
public static class OutcomeCounting
{
    public static RouteHandlerBuilder CountsOutcomes(this RouteHandlerBuilder route, Func<UserApiMetrics, Counter<long>> counter) =>
        route.WithMetadata(new CountedOutcomes(counter)).AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            counter(context.HttpContext.RequestServices.GetRequiredService<UserApiMetrics>())
                .Add(1, new KeyValuePair<string, object?>("outcome", OutcomeOf(result)));
            return result;
        });

    /// <summary>Counts an outcome of a request answered before its endpoint ran (by middleware that knows the route).</summary>
    public static void Count(HttpContext context, string outcome)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<CountedOutcomes>() is { } counted)
        {
            counted.Counter(context.RequestServices.GetRequiredService<UserApiMetrics>()).Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    private static string OutcomeOf(object? result) => result switch
    {
        INestedHttpResult nested => OutcomeOf(nested.Result),
        ProblemHttpResult problem when problem.ProblemDetails.Extensions.TryGetValue(ProblemResponses.CodeKey, out var code) && code is string text => text,
        ProblemHttpResult problem => ProblemResponses.CodeForStatus(problem.StatusCode),
        _ => UserApiMetrics.Succeeded,
    };
}

/// <summary>Endpoint metadata: the counter a route's outcomes go to.</summary>
public sealed record CountedOutcomes(Func<UserApiMetrics, Counter<long>> Counter);
