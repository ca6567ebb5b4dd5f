namespace Actors.Samples;

/// <summary>Trial division, as in the concurrent.futures documentation example the anchor uses.</summary>
public static class Primes
{
    public static bool IsPrime(long n)
    {
        if (n < 2) return false;
        if (n == 2) return true;
        if (n % 2 == 0) return false;
        long limit = (long)Math.Sqrt(n);
        for (long i = 3; i <= limit; i += 2)
        {
            if (n % i == 0) return false;
        }
        return true;
    }
}
