"""(being written)"""

from fastapi import APIRouter, Depends

from scrutiny.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
