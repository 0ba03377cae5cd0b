namespace IamDb.Cli.Tests;

/// <summary>Assertion messages show the command's output with passwords masked.</summary>
public class CliResultTests
{
    [Theory]
    [InlineData("{\n  \"DbUser\": \"IAM:adam:x1\",\n  \"DbPassword\": \"S3cretS3cret\"\n}")]
    [InlineData("jdbc:redshift://h:5439/dev?user=IAM%3Aadam&password=S3cretS3cret&ssl=true")]
    [InlineData("Host=h;Port=5432;Username=IAM:adam;Password=S3cretS3cret;Database=dev")]
    [InlineData("export PGPASSWORD='S3cretS3cret'")]
    [InlineData("postgresql://IAM%3Aadam:S3cretS3cret@127.0.0.1:5432/dev?sslmode=prefer")]
    [InlineData("127.0.0.1:5432:dev:IAM\\:adam\\:x1:S3cretS3cret")]
    [InlineData("Driver={Amazon Redshift ODBC Driver (x64)};UID=IAM:adam;PWD=S3cretS3cret;SSLMode=require")]
    public void ToString_OutputWithAPassword_MasksIt(string stdout)
    {
        var text = new CliResult(0, stdout, string.Empty).ToString();

        Assert.DoesNotContain("S3cretS3cret", text);
        Assert.Contains("[redacted]", text);
    }
}
