from . import storesync_packing_summary
from . import storesync_purchase_need
