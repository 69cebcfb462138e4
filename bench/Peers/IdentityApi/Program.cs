using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

// The peer: ASP.NET Core Identity's MapIdentityApi over EF Core + SQLite, as Microsoft documents it
// (https://learn.microsoft.com/aspnet/core/security/authentication/identity-api-authorization).
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
var database = builder.Configuration["Database"] ?? "identity.db";
builder.Services.AddDbContext<IdentityDb>(options => options.UseSqlite($"Data Source={database}"));
builder.Services.AddAuthorization();
builder.Services.AddIdentityApiEndpoints<IdentityUser>().AddEntityFrameworkStores<IdentityDb>();

var app = builder.Build();
using (var scope = app.Services.CreateScope())
{
    scope.ServiceProvider.GetRequiredService<IdentityDb>().Database.EnsureCreated();
}
app.MapIdentityApi<IdentityUser>();
app.MapGet("/healthz", () => "ok");
app.Run();

public sealed class IdentityDb(DbContextOptions<IdentityDb> options) : IdentityDbContext<IdentityUser>(options);
