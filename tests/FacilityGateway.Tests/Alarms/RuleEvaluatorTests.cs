using FacilityGateway.Alarms;
using FacilityGateway.Readings;
using Microsoft.Extensions.Time.Testing;

namespace FacilityGateway.Tests.Alarms;

public class RuleEvaluatorTests
{
    private static AlarmRule High(double limit = 6, double deadband = 0.2, int onDelay = 10, int offDelay = 30) =>
        new("pump/pressure/high", "pump", "pressure", "pump-1", AlarmRuleType.High, limit, deadband, TimeSpan.FromSeconds(onDelay), TimeSpan.FromSeconds(offDelay),
            TimeSpan.Zero, false, AlarmPriority.P2, "Pressure high", "bar");

    private static Reading At(FakeTimeProvider time, double value, Quality quality = Quality.Good) =>
        new("pump", "pressure", value, null, "bar", quality, time.GetUtcNow());

    [Fact]
    public void Deadband_AnHourOscillatingAroundTheLimit_GivesOneActivationAndNoClear()
    {
        var time = new FakeTimeProvider();
        var evaluator = new RuleEvaluator(High(), time);
        var transitions = new List<RuleTransition>();
        for (int s = 0; s < 15; s++, time.Advance(TimeSpan.FromSeconds(1)))
            transitions.Add(evaluator.Evaluate(At(time, 6.3)));
        for (int s = 0; s < 3600; s++, time.Advance(TimeSpan.FromSeconds(1)))
            transitions.Add(evaluator.Evaluate(At(time, 6 + 0.15 * Math.Sin(s / 7.0))));
        Assert.Equal(1, transitions.Count(t => t == RuleTransition.Activated));
        Assert.Equal(0, transitions.Count(t => t == RuleTransition.Cleared));
    }

    [Theory]
    [InlineData(10, 0)] // the breach lasts one poll less than the 10 s on-delay: no alarm
    [InlineData(11, 1)] // one poll longer: exactly one
    public void OnDelay_BoundaryAtOnePoll(int pollsInBreach, int expected)
    {
        var time = new FakeTimeProvider();
        var evaluator = new RuleEvaluator(High(), time);
        var transitions = new List<RuleTransition>();
        for (int s = 0; s < pollsInBreach; s++, time.Advance(TimeSpan.FromSeconds(1)))
            transitions.Add(evaluator.Evaluate(At(time, 7)));
        for (int s = 0; s < 60; s++, time.Advance(TimeSpan.FromSeconds(1)))
            transitions.Add(evaluator.Evaluate(At(time, 5)));
        Assert.Equal(expected, transitions.Count(t => t == RuleTransition.Activated));
    }

    [Fact]
    public void OffDelay_ClearsOnlyAfterTheValueStayedClearThatLong()
    {
        var time = new FakeTimeProvider();
        var evaluator = new RuleEvaluator(High(onDelay: 0, offDelay: 30), time);
        Assert.Equal(RuleTransition.Activated, evaluator.Evaluate(At(time, 7)));
        for (int s = 0; s < 30; s++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(RuleTransition.None, evaluator.Evaluate(At(time, s == 15 ? 6.5 : 5)));
        }
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(RuleTransition.Cleared, evaluator.Evaluate(At(time, 5)));
    }

    [Fact]
    public void BadReadings_NeitherRaiseNorClear()
    {
        var time = new FakeTimeProvider();
        var evaluator = new RuleEvaluator(High(onDelay: 0, offDelay: 0), time);
        Assert.Equal(RuleTransition.None, evaluator.Evaluate(At(time, double.NaN, Quality.BadCommFailure)));
        Assert.Equal(RuleTransition.Activated, evaluator.Evaluate(At(time, 7)));
        Assert.Equal(RuleTransition.None, evaluator.Evaluate(At(time, double.NaN, Quality.BadCommFailure)));
        Assert.True(evaluator.Active);
    }

    [Fact]
    public void Stale_RaisesWhenNoGoodValueForMaxAge()
    {
        var time = new FakeTimeProvider();
        var rule = High() with { Type = AlarmRuleType.Stale, MaxAge = TimeSpan.FromMinutes(5) };
        var evaluator = new RuleEvaluator(rule, time);
        evaluator.Evaluate(At(time, 5));
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(RuleTransition.None, evaluator.Evaluate(At(time, double.NaN, Quality.BadCommFailure)));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(RuleTransition.Activated, evaluator.Check());
        Assert.Equal(RuleTransition.Cleared, evaluator.Evaluate(At(time, 5)));
    }
}
