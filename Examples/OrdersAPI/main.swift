print("OrdersAPI: not built yet")
