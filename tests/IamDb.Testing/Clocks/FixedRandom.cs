namespace IamDb.Testing.Clocks;

/// <summary>A <see cref="Random"/> whose every sample is <paramref name="sample"/> (0 ≤ sample &lt; 1): jitter a test can predict.</summary>
public sealed class FixedRandom(double sample) : Random
{
    /// <inheritdoc/>
    public override double NextDouble() => sample;

    /// <inheritdoc/>
    public override int Next(int minValue, int maxValue) => minValue + (int)((maxValue - minValue) * sample);

    /// <inheritdoc/>
    protected override double Sample() => sample;
}
