/**
 * The cluster worker process's entry point (`ClusterWorker.main`).
 *
 * @since 0.1.0
 */
import * as ClusterWorker from "./ClusterWorker.js"

await ClusterWorker.main()
