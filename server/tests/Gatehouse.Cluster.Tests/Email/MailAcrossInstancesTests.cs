using System.Diagnostics;
using System.Text.RegularExpressions;
using Gatehouse.Cluster.Tests.Infrastructure;
using Npgsql;

namespace Gatehouse.Cluster.Tests.Email;

/// <summary>One outbox, two senders: every mail goes out, and exactly once, whichever instance takes it.</summary>
[Collection(ClusterCollection.Name)]
public sealed partial class MailAcrossInstancesTests(GatehouseCluster cluster)
{
    [Fact]
    public async Task Two_instances_sending_from_one_outbox_deliver_every_mail_exactly_once()
    {
        const int Mails = 300;
        var run = Guid.NewGuid().ToString("N")[..8];
        // Committed at once into the shared outbox, as requests on either instance would commit them
        // (the endpoints that mail are built on this outbox; here the rows come straight from SQL so
        // that both senders meet a full outbox at the same moment). Both poll every 100 ms.
        var ids = new List<Guid>();
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO "Outbox" ("Id", "Kind", "To", "Subject", "TextBody", "HtmlBody", "CreatedAt", "NextAttemptAt", "Attempts")
                SELECT gen_random_uuid(), 'verify_email', 'cluster-' || @run || '-' || i || '@example.com', 'Gatehouse: mail ' || i,
                       'Mail ' || i, '<p>Mail ' || i || '</p>', now(), now(), 0
                FROM generate_series(1, @mails) AS i
                RETURNING "Id"
                """, connection);
            insert.Parameters.AddWithValue("run", run);
            insert.Parameters.AddWithValue("mails", Mails);
            await using var reader = await insert.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetGuid(0));
            }
        }

        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= Mails; i++)
        {
            var left = TimeSpan.FromSeconds(60) - clock.Elapsed;
            await cluster.Mail.WaitForAsync($"cluster-{run}-{i}@example.com", timeout: left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
        }
        await Task.Delay(1000); // a second copy, if any, would be on its way by now

        var received = cluster.Mail.Received.Where(m => m.To.Mailboxes.Any(a => a.Address.StartsWith($"cluster-{run}-", StringComparison.Ordinal))).ToList();
        Assert.Equal(Mails, received.Count);
        Assert.Equal(ids.Select(id => $"{id:N}@gatehouse").Order(), received.Select(m => m.MessageId).Order());

        // Each row was claimed once (a second claim would count a second attempt) and is marked sent.
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString))
        {
            await connection.OpenAsync();
            await using var check = new NpgsqlCommand("""
                SELECT count(*) FILTER (WHERE "SentAt" IS NOT NULL AND "Attempts" = 1 AND "TextBody" IS NULL) FROM "Outbox" WHERE "Id" = ANY(@ids)
                """, connection);
            check.Parameters.AddWithValue("ids", ids.ToArray());
            Assert.Equal(Mails, Convert.ToInt32(await check.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        }

        // Both instances did send (so they raced for the rows), and no mail was sent by both.
        var wanted = ids.ToHashSet();
        var byA = SentIds(cluster.A.Output).Where(wanted.Contains).ToList();
        var byB = SentIds(cluster.B.Output).Where(wanted.Contains).ToList();
        Assert.True(byA.Count > 0 && byB.Count > 0, $"Only one instance sent: A sent {byA.Count}, B sent {byB.Count}.");
        Assert.Empty(byA.Intersect(byB));
        Assert.Equal(Mails, byA.Count + byB.Count);
    }

    private static IEnumerable<Guid> SentIds(string output) =>
        SentLine().Matches(output).Select(match => Guid.Parse(match.Groups[1].Value));

    [GeneratedRegex(@"Mail verify_email ([0-9a-f-]{36}) sent")]
    private static partial Regex SentLine();
}
