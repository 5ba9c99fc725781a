using Threshold.Domain.Grants;

namespace Threshold.Domain.Tests.Grants;

public sealed class KeypadCodesTests
{
    [Theory]
    [InlineData("0000")]
    [InlineData("77777777")]
    [InlineData("1234")]
    [InlineData("12345678")]
    [InlineData("8901")]
    [InlineData("4321")]
    [InlineData("87654321")]
    [InlineData("1098")]
    public void IsWeak_RepeatedOrStraightRun_True(string code) => Assert.True(KeypadCodes.IsWeak(code));

    [Theory]
    [InlineData("1357")]
    [InlineData("48213975")]
    [InlineData("1235")]
    [InlineData("9870")]
    public void IsWeak_Ordinary_False(string code) => Assert.False(KeypadCodes.IsWeak(code));

    [Theory]
    [InlineData("123", 4, "invalid_code")]
    [InlineData("12a4", 4, "invalid_code")]
    [InlineData("48213", 4, "invalid_code")]
    [InlineData("١٢٣٤", 4, "invalid_code")]
    [InlineData("1111", 4, "weak_code")]
    [InlineData("2345", 4, "weak_code")]
    [InlineData("4821", 4, "code_collision")]
    [InlineData("4821", 3, "invalid_code")]
    [InlineData("482139751", 9, "invalid_code")]
    public void Validate_BadCode_RefusedWithCode(string code, int length, string expected)
    {
        var e = Assert.Throws<DomainException>(() => KeypadCodes.Validate(code, length, ["4821", "99887766"]));
        Assert.Equal(expected, e.Code);
    }

    [Fact]
    public void Validate_GoodCode_Accepted() => KeypadCodes.Validate("4822", 4, ["4821"]);

    [Fact]
    public void Generate_ManyCodes_RightLengthNeverWeakNeverTaken()
    {
        var taken = new HashSet<string>();
        for (var i = 0; i < 2000; i++)
        {
            var code = KeypadCodes.Generate(4, taken);
            Assert.Equal(4, code.Length);
            Assert.All(code, c => Assert.True(char.IsAsciiDigit(c)));
            Assert.False(KeypadCodes.IsWeak(code));
            Assert.DoesNotContain(code, taken);
            taken.Add(code);
        }
    }

    [Fact]
    public void Generate_EightDigits_DigitsSpreadAcrossAllValues()
    {
        var counts = new int[10];
        for (var i = 0; i < 1000; i++)
        {
            foreach (var c in KeypadCodes.Generate(8, []))
            {
                counts[c - '0']++;
            }
        }

        // 8000 digits: each value expected 800; a broken source (e.g. always 0–4) falls far outside.
        Assert.All(counts, n => Assert.InRange(n, 600, 1000));
    }
}
