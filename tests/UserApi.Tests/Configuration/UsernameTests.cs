using UserApi.Users;

namespace UserApi.Tests.Configuration;

public sealed class UsernameTests
{
    [Theory]
    [InlineData("Admin", "admin")]
    [InlineData("admin ", "admin")]
    [InlineData("ａｄｍｉｎ", "admin")]
    [InlineData("ÅNGSTRÖM", "ångström")]
    public void NormalisationFoldsCaseWidthAndSurroundingSpace(string username, string expected)
    {
        Assert.Equal(expected, Username.Normalize(username));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\there")]
    [InlineData("zero\u200Bwidth")]
    [InlineData("rtl\u202Eoverride")]
    public void UnusableUsernamesAreRefused(string username)
    {
        Assert.NotNull(Username.Problem(username));
    }

    [Fact]
    public void AUsernameWithALoneSurrogateIsRefused()
    {
        Assert.Equal("must be valid Unicode text", Username.Problem("lone" + (char)0xD800 + "surrogate"));
    }

    [Fact]
    public void UsernamesAreLimitedTo64Characters()
    {
        Assert.Null(Username.Problem(new string('a', 64)));
        Assert.NotNull(Username.Problem(new string('a', 65)));
    }
}
