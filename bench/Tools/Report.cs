using System.Globalization;
using System.Text;
using System.Text.Json;

/// <summary>
/// Turns the raw measurements of bench/run.sh (one JSON object a line) into the markdown tables of
/// bench/RESULTS.md: the median of the measured runs of each scenario, and its ratio to its baseline (the
/// median of per-run ratios where each run is compared with the mean of the baseline runs just before and
/// just after it: of the rates, and of the p50 latencies where the baseline is a wrk run too).
/// </summary>
public static class Report
{
    private sealed record Row(string Section, string Server, string Scenario, string Baseline, List<JsonElement> Runs);

    public static int Write(string rawPath, string outputPath)
    {
        var lines = File.ReadAllLines(rawPath).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var measurements = lines.Where(l => l.GetProperty("kind").GetString() == "wrk").ToList();
        var rows = measurements
            .GroupBy(m => (Section: m.GetProperty("section").GetString()!, Server: m.GetProperty("server").GetString()!, Scenario: m.GetProperty("scenario").GetString()!))
            .Select(g => new Row(g.Key.Section, g.Key.Server, g.Key.Scenario, g.First().GetProperty("baseline").GetString()!, [.. g]))
            .ToList();
        var argon2 = lines.Where(l => l.GetProperty("kind").GetString() == "argon2").Select(l => l.GetProperty("verifies_per_second").GetDouble()).ToList();
        var argon2Median = argon2.Count > 0 ? MedianOf(argon2) : double.NaN;

        var text = new StringBuilder();
        foreach (var section in rows.GroupBy(r => r.Section))
        {
            text.AppendLine($"### {section.Key}");
            text.AppendLine();
            text.AppendLine("| server | scenario | req/s (median) | p50 ms | p99 ms | non-2xx + errors | runs | vs baseline |");
            text.AppendLine("|---|---|---:|---:|---:|---:|---:|---|");
            foreach (var row in section)
            {
                var rps = Median(row.Runs, "rps");
                var errors = row.Runs.Sum(r => r.GetProperty("non2xx").GetInt64() + r.GetProperty("socket_errors").GetInt64() + r.GetProperty("timeouts").GetInt64());
                // Each run against the baseline runs that bracket it (bench/run.sh, paired and paired_after): the
                // median of those ratios, of the rates and, where the baseline is a wrk run too, of the p50 latencies.
                var paired = row.Runs.Where(r => r.TryGetProperty("paired", out _)).ToList();
                var baseline = "";
                if (paired.Count == row.Runs.Count && paired.Count > 0)
                {
                    var rates = paired.Select(r => Bracketing(r, Rate)).ToList();
                    baseline = $"{MedianOf([.. paired.Select((r, i) => r.GetProperty("rps").GetDouble() / rates[i])]):P0} of {Describe(row.Baseline)}";
                    if (paired.All(r => r.GetProperty("paired").TryGetProperty("p50_ms", out _)))
                    {
                        var p50 = MedianOf([.. paired.Select(r => r.GetProperty("p50_ms").GetDouble() / Bracketing(r, b => b.GetProperty("p50_ms").GetDouble()) - 1)]);
                        baseline += $", p50 {p50:+0 %;-0 %;0 %}";
                    }
                    var bracketed = paired.All(r => r.TryGetProperty("paired_after", out _));
                    baseline += $" ({(bracketed ? "bracketed" : "paired")} runs; its median {MedianOf(rates):F1}/s)";
                }
                text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Server} | {row.Scenario} | {rps:F0} | {Median(row.Runs, "p50_ms"):F2} | {Median(row.Runs, "p99_ms"):F2} | {errors} | {row.Runs.Count} | {baseline} |");
            }
            text.AppendLine();
        }

        foreach (var storm in lines.Where(l => l.GetProperty("kind").GetString() == "login-storm"))
        {
            AppendLoginStorm(text, storm.GetProperty("value"));
        }

        foreach (var flood in lines.Where(l => l.GetProperty("kind").GetString() == "token-flood"))
        {
            AppendTokenFlood(text, flood.GetProperty("value"));
        }

        var others = lines.Where(l => l.GetProperty("kind").GetString() is not ("wrk" or "argon2" or "login-storm" or "token-flood")).ToList();
        if (argon2.Count > 0 || others.Count > 0)
        {
            text.AppendLine("### Other measurements");
            text.AppendLine();
            if (argon2.Count > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- Raw Argon2id verify (m=19 MiB, t=2, p=1, libsodium via Geralt) on one pinned core: median {argon2Median:F1} verifies/s over {argon2.Count} runs.");
            }
            foreach (var other in others)
            {
                text.AppendLine($"- {other.GetProperty("kind").GetString()}: `{other.GetProperty("value")}`");
            }
            text.AppendLine();
        }
        File.WriteAllText(outputPath, text.ToString());
        Console.Write(text);
        return 0;
    }

    // Issue 25's login storm against its targets: the figures of bench/Tools/Storm.cs.
    private static void AppendLoginStorm(StringBuilder text, JsonElement storm)
    {
        var logins = storm.GetProperty("logins");
        JsonElement? Status(string code) => logins.TryGetProperty(code, out var figures) ? figures : null;
        double Figure(JsonElement? figures, string name) => figures is { } f ? f.GetProperty(name).GetDouble() : 0;
        var ok = Status("200");
        var shed = Status("503");
        var others = logins.EnumerateObject().Where(p => p.Name is not ("200" or "503")).Sum(p => p.Value.GetProperty("count").GetInt64());
        var info = storm.GetProperty("info");
        var calm = storm.GetProperty("calm_info");
        string Met(bool met) => met ? "met" : "**missed**";

        text.AppendLine(CultureInfo.InvariantCulture, $"### Login storm ({storm.GetProperty("login_connections")} connections of logins, {storm.GetProperty("info_connections")} of GET /user/info, {storm.GetProperty("seconds")} s)");
        text.AppendLine();
        text.AppendLine("| figure | measured | target | |");
        text.AppendLine("|---|---:|---:|---|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| GET /user/info p99, calm → storm | {calm.GetProperty("p99_ms").GetDouble():F1} → {info.GetProperty("p99_ms").GetDouble():F1} ms | ≤ 25 ms | {Met(info.GetProperty("p99_ms").GetDouble() <= 25 && info.GetProperty("not_200").GetInt64() == 0)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| GET /user/info rate, calm → storm | {calm.GetProperty("per_second").GetDouble():F0} → {info.GetProperty("per_second").GetDouble():F0}/s | | |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| logins answered 200: rate, p50, p99 | {Figure(ok, "per_second"):F1}/s, {Figure(ok, "p50_ms"):F0} ms, {Figure(ok, "p99_ms"):F0} ms | p99 ≤ 3000 ms | {Met(ok is not null && Figure(ok, "p99_ms") <= 3000)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| logins answered 503: rate, p50, p99 | {Figure(shed, "per_second"):F0}/s, {Figure(shed, "p50_ms"):F1} ms, {Figure(shed, "p99_ms"):F1} ms | p99 ≤ 50 ms | {Met(Figure(shed, "p99_ms") <= 50)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| logins answered otherwise, or not at all | {others} | 0 | {Met(others == 0)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| server RSS, before → largest | {storm.GetProperty("rss_mb_before").GetInt64()} → {storm.GetProperty("rss_mb_max").GetInt64()} MB | ≤ 200 MB | {Met(storm.GetProperty("rss_mb_max").GetInt64() <= 200)} |");
        text.AppendLine();
    }

    // Issue 25's anonymous-token flood against its targets: bench/token-flood.sh's figures and GET /user/info around it.
    private static void AppendTokenFlood(StringBuilder text, JsonElement value)
    {
        var flood = value.GetProperty("flood");
        var before = value.GetProperty("info_before").GetProperty("rps").GetDouble();
        var after = value.GetProperty("info_after").GetProperty("rps").GetDouble();
        var peak = flood.GetProperty("rss_peak_mb").GetInt64();
        var errors = flood.GetProperty("non2xx").GetInt64() + flood.GetProperty("socket_errors").GetInt64() + flood.GetProperty("timeouts").GetInt64();
        string Met(bool met) => met ? "met" : "**missed**";

        text.AppendLine(CultureInfo.InvariantCulture, $"### Anonymous-token flood ({flood.GetProperty("tokens").GetInt64():N0} tokens, each minted and presented once)");
        text.AppendLine();
        text.AppendLine("| figure | measured | target | |");
        text.AppendLine("|---|---:|---:|---|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| server RSS: start → peak → end | {flood.GetProperty("rss_start_mb").GetInt64()} → {peak} → {flood.GetProperty("rss_end_mb").GetInt64()} MB | peak ≤ 250 MB | {Met(peak <= 250)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| flood rate, requests answered otherwise than 2xx | {flood.GetProperty("rps").GetDouble():F0} req/s, {errors} | 0 | {Met(errors == 0)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| GET /user/info right after, against just before | {after:F0} / {before:F0} req/s = {after / before:P0} | ≥ 70 % | {Met(after >= 0.7 * before)} |");
        text.AppendLine();
    }

    // A figure of the baseline a run is compared with: the mean of the runs before and after it, or the run
    // before it alone in raw data from before bench/run.sh bracketed its runs.
    private static double Bracketing(JsonElement run, Func<JsonElement, double> figure) =>
        run.TryGetProperty("paired_after", out var after)
            ? (figure(run.GetProperty("paired")) + figure(after)) / 2
            : figure(run.GetProperty("paired"));

    // A paired baseline's rate: wrk's requests per second, or the Argon2id tool's verifies per second.
    private static double Rate(JsonElement paired) =>
        paired.TryGetProperty("rps", out var rps) ? rps.GetDouble() : paired.GetProperty("verifies_per_second").GetDouble();

    private static string Describe(string baseline) => baseline == "argon2" ? "raw Argon2id verify" : baseline.Replace(':', ' ');

    private static double Median(List<JsonElement> runs, string property) => MedianOf([.. runs.Select(r => r.GetProperty(property).GetDouble())]);

    private static double MedianOf(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
