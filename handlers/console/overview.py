"""GET /console/: the last 24 hours as two charts, and the live numbers."""
import time

from flask import current_app, render_template

from handlers.admin.steering import steering_warnings
from handlers.console.blueprint import blueprint
from handlers.console.charts import line_chart
from handlers.console.live import live_numbers, vendor_states
from handlers.console.stats import BUCKET_MINUTES, bucketed_counts


@blueprint.get("/")
def overview():
    redis_client = current_app.extensions["redis"]
    now_ts = time.time()
    starts, statuses, vendors = bucketed_counts(redis_client, now_ts)
    event_chart = line_chart(f"Events per {BUCKET_MINUTES} minutes, by status", starts, statuses)
    vendor_charts = [line_chart(f"{vendor}: deliveries per {BUCKET_MINUTES} minutes, by outcome", starts, outcomes)
                     for vendor, outcomes in sorted(vendors.items())]
    states = vendor_states(redis_client, current_app.config)
    return render_template("console/overview.html", live=live_numbers(redis_client, now_ts),
                           event_chart=event_chart, vendor_charts=vendor_charts,
                           steering=steering_warnings(redis_client),
                           sandboxed_rows=[row for row in states if row["sandboxed"]],
                           unconfigured=[row for row in states if not row["has_credential"] and not row["sandboxed"]])
