using IamDb.Aws.Query;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// IamDb's <c>SkippedDatabases</c> member of the RegisterCluster and TestCluster results: the databases the admin may
/// not prepare, each as <c>member/DatabaseName</c> and <c>member/Reason</c>. Written only when there are some.
/// </summary>
internal static class SkippedDatabasesXml
{
    public static void Write(QueryXmlWriter w, IReadOnlyList<SkippedDatabase> skipped)
    {
        if (skipped.Count == 0)
        {
            return;
        }

        w.WriteList("SkippedDatabases", skipped, (m, s) =>
        {
            m.WriteString("DatabaseName", s.Database);
            m.WriteString("Reason", s.Reason);
        });
    }
}
