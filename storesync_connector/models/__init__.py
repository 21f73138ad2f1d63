from . import storesync_store
