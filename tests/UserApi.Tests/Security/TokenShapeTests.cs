using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using UserApi.Tokens;

namespace UserApi.Tests.Security;

/// <summary>The checks of <see cref="TokenShape"/> on their own; ForgedTokenTests shows them refusing tokens over HTTP.</summary>
public sealed class TokenShapeTests
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>The definition: a segment is canonical when encoding what it decodes to gives it back.</summary>
    private static bool RoundTrips(string segment)
    {
        try
        {
            return Base64UrlEncoder.Encode(Base64UrlEncoder.DecodeBytes(segment)) == segment;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [Fact]
    public void IsCanonicalAgreesWithTheRoundTripForEveryLastCharacter()
    {
        var random = new Random(6);
        var checkedSegments = 0;
        var refused = 0;
        for (var length = 0; length <= 40; length++)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            var segment = Base64UrlEncoder.Encode(bytes);
            Assert.True(TokenShape.IsCanonical(segment), segment);
            if (segment.Length == 0)
            {
                continue;
            }
            // Every spelling of the last character: those that set unused bits decode to the same bytes.
            foreach (var c in Alphabet)
            {
                var variant = segment[..^1] + c;
                Assert.Equal(RoundTrips(variant), TokenShape.IsCanonical(variant));
                checkedSegments++;
                refused += TokenShape.IsCanonical(variant) ? 0 : 1;
            }
        }
        // Lengths 2 and 3 mod 4 have unused bits, so many variants are refused; the rest are accepted.
        Assert.InRange(refused, 1, checkedSegments - 1);
    }

    [Theory]
    [InlineData("QQ==")]
    [InlineData("QQ=")]
    [InlineData("Q")]
    [InlineData("QUJD RA")]
    [InlineData("QUJD+A")]
    [InlineData("QUJD/A")]
    [InlineData("QUJDé")]
    public void PaddingOtherAlphabetsAndImpossibleLengthsAreNotCanonical(string segment) =>
        Assert.False(TokenShape.IsCanonical(segment));

    [Theory]
    [InlineData("""{"alg":"HS256","typ":"at+jwt"}""", true)]
    [InlineData("""{"\u0061lg":"HS256","typ":"at+jwt"}""", true)]
    [InlineData("""{"alg":"HS256","typ":"at+jwt","kid":"k1"}""", true)]
    [InlineData("""{"alg":"HS256","typ":"at+jwt","\u006bid":"k2"}""", true)]
    [InlineData("""{"alg":"HS256","typ":"at+jwt","kid":"1"}""", false)]
    [InlineData("""{"alg":"HS256","typ":"at+jwt","\u006bid":"1"}""", false)]
    [InlineData("""{"alg":"HS256","typ":"at+jwt","kid":"k1","kid":"k3"}""", false)]
    [InlineData("""{"alg":"HS256","typ":"at+jwt","kid":null}""", false)]
    [InlineData("""{"alg":"HS256","typ":"at+jwt","crit":["exp"]}""", false)]
    [InlineData("""{"alg":"HS256","typ":"at+jwt","jwk":{"alg":"HS256"}}""", false)]
    public void OnlyAlgTypAndAConfiguredKidMayBeInTheHeader(string header, bool accepted) =>
        Assert.Equal(accepted, Accepts(header, """{"sub":"1","exp":2000000000}"""));

    [Theory]
    [InlineData("""{"alg":"ES256","typ":"at+jwt","kid":"k1"}""", true)]
    [InlineData("""{"alg":"ES256","typ":"at+jwt"}""", false)]
    [InlineData("""{"alg":"ES256","typ":"at+jwt","kid":""}""", false)]
    public void AKidIsRequiredWhereEveryTokenNamesItsKey(string header, bool accepted) =>
        Assert.Equal(accepted, Accepts(header, """{"sub":"1","exp":2000000000}""", kidRequired: true));

    [Theory]
    [InlineData("""{"sub":"1","exp":2000000000,"nbf":1000000000,"iat":1000000000}""", true)]
    [InlineData("""{"sub":"1","exp":2000000000,"extra":{"exp":"nested claims are not times"}}""", true)]
    [InlineData("""{"sub":"1","exp":"2000000000"}""", false)]
    [InlineData("""{"sub":"1","exp":2000000000.5}""", false)]
    [InlineData("""{"sub":"1","\u0065xp":-1}""", false)]
    [InlineData("""{"sub":"1","exp":2000000000,"exp":-1}""", false)]
    [InlineData("""{"sub":"1","exp":-1,"exp":2000000000}""", false)]
    [InlineData("""{"sub":"1","exp":2000000000,"iat":4000000000}""", false)]
    public void TimeClaimsMustBeNumericDatesWhereverTheyAppearAtTheTop(string payload, bool accepted) =>
        Assert.Equal(accepted, Accepts("""{"alg":"HS256","typ":"at+jwt"}""", payload));

    private static bool Accepts(string header, string payload, bool kidRequired = false)
    {
        var token = new JsonWebToken($"{Encode(header)}.{Encode(payload)}.{Base64UrlEncoder.Encode(new byte[32])}");
        var validate = TokenShape.Validator("at+jwt", TimeProvider.System, new HashSet<string> { "k1", "k2" }, kidRequired);
        try
        {
            validate("at+jwt", token, new TokenValidationParameters());
            return true;
        }
        catch (SecurityTokenException)
        {
            return false;
        }
    }

    private static string Encode(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
}
