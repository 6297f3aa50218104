using FacilityGateway.Alarms;
using FacilityGateway.Readings;
using Microsoft.Extensions.Time.Testing;
using FacilityGateway.Tickets;

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

public class RunningSignalRuleTests
{
    private static AlarmRule Rule(AlarmRuleType type, double limit, TimeSpan window) =>
        new("pump/running/x", "pump", "running", "pump-1", type, limit, 0, TimeSpan.Zero, TimeSpan.Zero, window, false, AlarmPriority.P2, "Pump", "");

    [Theory]
    [InlineData(6, 0)] // 6 starts within the hour: fine
    [InlineData(7, 1)] // the 7th raises
    public void ShortCycling_MoreThanSixStartsAnHour_Raises(int starts, int expected)
    {
        var time = new FakeTimeProvider();
        var evaluator = new RuleEvaluator(Rule(AlarmRuleType.ShortCycling, 6, TimeSpan.FromHours(1)), time);
        int activations = 0;
        for (int i = 0; i < starts; i++)
        {
            foreach (var value in new[] { 1.0, 0.0 })
            {
                if (evaluator.Evaluate(new Reading("pump", "running", value, null, "", Quality.Good, time.GetUtcNow())) == RuleTransition.Activated)
                    activations++;
                time.Advance(TimeSpan.FromMinutes(4));
            }
        }
        Assert.Equal(expected, activations);
    }

    [Fact]
    public void ShortCycling_StartsSpreadOverMoreThanTheWindow_DoNotCount()
    {
        var time = new FakeTimeProvider();
        var evaluator = new RuleEvaluator(Rule(AlarmRuleType.ShortCycling, 6, TimeSpan.FromHours(1)), time);
        for (int i = 0; i < 20; i++)
        {
            Assert.NotEqual(RuleTransition.Activated, evaluator.Evaluate(new Reading("pump", "running", 1, null, "", Quality.Good, time.GetUtcNow())));
            time.Advance(TimeSpan.FromMinutes(5.5)); // a start every 11 min: never 7 in an hour
            evaluator.Evaluate(new Reading("pump", "running", 0, null, "", Quality.Good, time.GetUtcNow()));
            time.Advance(TimeSpan.FromMinutes(5.5)); // a start every 11 min: never 7 in an hour
        }
    }

    [Fact]
    public void RunTooLong_RaisesAfterMaxRun_ClearsWhenItStops()
    {
        var time = new FakeTimeProvider();
        var evaluator = new RuleEvaluator(Rule(AlarmRuleType.RunTooLong, 0, TimeSpan.FromHours(2)), time);
        Reading Running(double v) => new("pump", "running", v, null, "", Quality.Good, time.GetUtcNow());
        Assert.Equal(RuleTransition.None, evaluator.Evaluate(Running(1)));
        time.Advance(TimeSpan.FromMinutes(119));
        Assert.Equal(RuleTransition.None, evaluator.Evaluate(Running(1)));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(RuleTransition.Activated, evaluator.Evaluate(Running(1)));
        Assert.Equal(RuleTransition.Cleared, evaluator.Evaluate(Running(0)));
    }
}

public class RateOfChangeTests
{
    [Fact]
    public void RateOfChange_AboveTheLimitPerMinute_ForTheOnDelay_Raises_AndClearsWhenSteady()
    {
        var time = new FakeTimeProvider();
        var rule = new AlarmRule("tank/level/rate_of_change", "tank", "level", "tank", AlarmRuleType.RateOfChange, 0.5, 0.1,
            TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.Zero, false, AlarmPriority.P2, "Tank draining fast", "m");
        var evaluator = new RuleEvaluator(rule, time);
        double level = 3.0;
        var transitions = new List<RuleTransition>();
        for (int s = 0; s < 60; s++) // draining 0.02 m/s = 1.2 m/min
        {
            transitions.Add(evaluator.Evaluate(new Reading("tank", "level", level, null, "m", Quality.Good, time.GetUtcNow())));
            level -= 0.02;
            time.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(1, transitions.Count(t => t == RuleTransition.Activated));
        for (int s = 0; s < 60; s++) // steady
        {
            transitions.Add(evaluator.Evaluate(new Reading("tank", "level", level, null, "m", Quality.Good, time.GetUtcNow())));
            time.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(1, transitions.Count(t => t == RuleTransition.Cleared));
    }
}
