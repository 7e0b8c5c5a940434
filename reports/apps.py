from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"

    def ready(self) -> None:
        register_stage_exports()


def register_stage_exports() -> None:
    """The stage lists the Export button is offered on (the returns list is the back office's)."""
    from disposition import selectors as disposition_lists
    from disposition.models import Disposition, StockMovement
    from inspection import selectors as inspection_lists
    from inspection.models import Inspection
    from refunds import selectors as refund_lists
    from refunds.models import Refund
    from reports import exports, resources
    from rma import selectors as rma_lists
    from rma.models import ReceivingScan, ReturnItem

    exports.register_list(ReturnItem, resource=resources.UnitResource, spec=rma_lists.UNITS_LIST)
    exports.register_list(ReceivingScan, resource=resources.DockScanResource, spec=rma_lists.SCANS_LIST)
    exports.register_list(Inspection, resource=resources.InspectionResource, spec=inspection_lists.INSPECTIONS_LIST)
    exports.register_list(Disposition, resource=resources.DispositionResource,
                          spec=disposition_lists.DISPOSITIONS_LIST)
    exports.register_list(StockMovement, resource=resources.StockMovementResource,
                          spec=disposition_lists.STOCK_MOVEMENTS_LIST)
    exports.register_list(Refund, resource=resources.RefundResource, spec=refund_lists.REFUNDS_LIST)
