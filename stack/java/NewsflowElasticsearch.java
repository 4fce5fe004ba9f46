import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

/**
 * Starts one Elasticsearch node through the codelibs cluster runner, with two changes to the
 * runner's own main: the HTTP port is exactly the one asked for (the runner would silently move
 * to the next free port, and refuses ports above 9299), and the node also has the ingest role.
 * Arguments are the runner's (-numOfNode, -baseHttpPort, -basePath, ...). SIGTERM closes the node.
 */
public final class NewsflowElasticsearch {
    private NewsflowElasticsearch() {
    }

    public static void main(final String[] args) throws InterruptedException {
        final ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner();
        runner.setMaxHttpPort(-1);
        runner.onBuild((index, settings) -> settings.putList("node.roles", "master", "data", "ingest"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final Exception e) {
                e.printStackTrace();
            }
        }, "newsflow-es-shutdown"));
        try {
            runner.build(args);
        } catch (final RuntimeException e) {
            e.printStackTrace();
            // halt, not exit: the node's threads would keep the JVM alive and the hook would close twice.
            Runtime.getRuntime().halt(1);
        }
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }
}
