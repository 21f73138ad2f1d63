from . import webhook
from . import image
