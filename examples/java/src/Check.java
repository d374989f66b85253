// Shared by the example programs: each checks what it observes and exits non-zero on the first
// difference, so the same program runs against ActiveMQ 5.17 and against Wharf.
public final class Check {
    private Check() {}

    public static String url(String[] args) {
        return args.length > 0 ? args[0] : "tcp://localhost:61616";
    }

    public static void equal(String what, Object expected, Object actual) {
        if (expected == null ? actual != null : !expected.equals(actual)) {
            throw new AssertionError(what + ": expected <" + expected + "> but was <" + actual + ">");
        }
    }

    public static void ok(boolean cond, String what) {
        if (!cond) throw new AssertionError(what);
    }

    public static void pass(String scenario) {
        System.out.println("PASS " + scenario);
    }

    /** A queue or topic name no earlier run used (the programs also run against a long-lived ActiveMQ). */
    public static String unique(String base) {
        return base + "." + Long.toString(System.nanoTime(), 36);
    }
}
