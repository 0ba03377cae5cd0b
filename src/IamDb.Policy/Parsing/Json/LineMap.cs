namespace IamDb.Policy.Parsing.Json;

/// <summary>
/// Turns byte offsets in UTF-8 text into 1-based line and character column. The reader asks in increasing
/// offset order, so the last answer is kept and counting resumes from it: linear over a long one-line document.
/// </summary>
internal sealed class LineMap
{
    private readonly byte[] _utf8;
    private readonly List<int> _lineStarts = [0];
    private int _lastOffset;
    private int _lastLine;
    private int _lastColumn = 1;

    public LineMap(byte[] utf8)
    {
        _utf8 = utf8;
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    public SourceLocation Locate(long byteOffset)
    {
        var offset = (int)Math.Clamp(byteOffset, 0, _utf8.Length);
        var index = _lineStarts.BinarySearch(offset);
        var line = index >= 0 ? index : ~index - 1;
        var from = _lineStarts[line];
        var column = 1;
        if (line == _lastLine && offset >= _lastOffset)
        {
            from = _lastOffset;
            column = _lastColumn;
        }

        for (var i = from; i < offset; i++)
        {
            // Count characters, not bytes: skip UTF-8 continuation bytes (10xxxxxx).
            if ((_utf8[i] & 0xC0) != 0x80)
            {
                column++;
            }
        }

        (_lastOffset, _lastLine, _lastColumn) = (offset, line, column);
        return new SourceLocation(line + 1, column);
    }
}
