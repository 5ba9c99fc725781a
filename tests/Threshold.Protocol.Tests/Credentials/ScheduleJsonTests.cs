using System.Text.Json.Nodes;
using Threshold.Domain.Schedules;
using Threshold.Protocol.Credentials;

namespace Threshold.Protocol.Tests.Credentials;

public sealed class ScheduleJsonTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 24, 7, 0, 0, TimeSpan.Zero);

    public static TheoryData<Schedule, string> Schedules() => new()
    {
        { new AlwaysSchedule(), """{"type":"always"}""" },
        { new TemporarySchedule(From, From.AddDays(2)), """{"type":"temporary","from":"2026-11-24T07:00:00.0000000+00:00","to":"2026-11-26T07:00:00.0000000+00:00"}""" },
        { new OnceSchedule(From, From.AddHours(1)), """{"type":"once","from":"2026-11-24T07:00:00.0000000+00:00","to":"2026-11-24T08:00:00.0000000+00:00"}""" },
        {
            new RecurringSchedule(new HashSet<DayOfWeek> { DayOfWeek.Friday, DayOfWeek.Monday }, new TimeOnly(22, 0), new TimeOnly(6, 30)),
            """{"type":"recurring","days":["monday","friday"],"from":"22:00","to":"06:30"}"""
        },
    };

    [Theory]
    [MemberData(nameof(Schedules))]
    public void Serialize_EveryType_TheDocumentedFormAndBack(Schedule schedule, string json)
    {
        var written = ScheduleJson.Serialize(schedule);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(written)), written);
        Assert.Equal(schedule, ScheduleJson.Deserialize(written));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), ScheduleJson.ToJsonObject(schedule)));
    }

    [Fact]
    public void TryParse_OffsetInstant_KeptAsTheSameInstant()
    {
        Assert.True(ScheduleJson.TryParse(JsonNode.Parse("""{"type":"once","from":"2026-11-24T08:00:00+01:00","to":"2026-11-24T10:00:00Z"}"""), out var schedule, out var error), error);

        Assert.Equal(new OnceSchedule(From, From.AddHours(3)), schedule);
    }

    [Fact]
    public void TryParse_TypeNotFirstOrDayInCapitals_Accepted()
    {
        Assert.True(ScheduleJson.TryParse(JsonNode.Parse("""{"days":["Tuesday"],"from":"09:00","to":"17:00","type":"recurring"}"""), out var schedule, out var error), error);

        Assert.Equal(new RecurringSchedule(new HashSet<DayOfWeek> { DayOfWeek.Tuesday }, new TimeOnly(9, 0), new TimeOnly(17, 0)), schedule);
    }

    [Theory]
    [InlineData("""{"type":"sometimes"}""", "type: not a known type")]
    [InlineData("""{"type":"recurring","days":["funday"],"from":"09:00","to":"10:00"}""", "days[0]: day names such as \"monday\"")]
    [InlineData("""{"type":"recurring","days":["monday"],"from":"09:00","to":"09:00"}""", "Start and end must differ.")]
    [InlineData("""{"type":"recurring","days":["monday"],"from":"09:00:00","to":"10:00"}""", "from: a local time HH:mm")]
    [InlineData("""{"type":"temporary","from":"2026-11-25T10:00:00Z","to":"2026-11-24T10:00:00Z"}""", "The schedule must start before it ends.")]
    [InlineData("""{"type":"once","from":"2026-11-25T10:00:00","to":"2026-11-26T10:00:00Z"}""", "from: an ISO 8601 date-time with offset, e.g. 2026-11-23T10:00:00Z")]
    [InlineData("""{"type":"always","extra":1}""", "extra: not a field here")]
    [InlineData("""{"type":"always","from":"2026-11-25T10:00:00Z","to":"2026-11-26T10:00:00Z"}""", "from: not a field here")]
    [InlineData("""{"type":"recurring","days":["monday"],"form":"09:00","from":"09:00","to":"10:00"}""", "form: not a field here")]
    [InlineData("""{"type":"recurring","days":null,"from":"09:00","to":"10:00"}""", "days: must not be null")]
    [InlineData("""{"type":"recurring","from":"09:00","to":"10:00"}""", "days: required")]
    [InlineData("""{}""", "type: required")]
    [InlineData("""[1]""", null)]
    [InlineData("\"always\"", null)]
    public void TryParse_Bad_RefusedNamingTheField(string json, string? reason)
    {
        Assert.False(ScheduleJson.TryParse(JsonNode.Parse(json), out var schedule, out var error));
        Assert.Null(schedule);
        Assert.NotNull(error);
        if (reason is not null)
        {
            Assert.Equal(reason, error);
        }
    }

    [Fact]
    public void TryParse_Null_Refused() => Assert.False(ScheduleJson.TryParse(null, out _, out _));

    [Fact]
    public void Deserialize_BadStoredSchedule_Throws() =>
        Assert.Throws<FormatException>(() => ScheduleJson.Deserialize("""{"type":"sometimes"}"""));
}
