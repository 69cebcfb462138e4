using System.Text.Json.Serialization;

// The baseline every UserApi scenario is compared with: the least a Kestrel endpoint can do,
// a GET answered with a small JSON body, built and run exactly like the service.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BaselineJsonContext.Default));
var app = builder.Build();
app.MapGet("/hello", () => new Hello(1, "hello", "baseline"));
app.Run();

public sealed record Hello(long Id, string Username, string Role);

[JsonSerializable(typeof(Hello))]
internal sealed partial class BaselineJsonContext : JsonSerializerContext;
