/*
 * bus.c — the one helper around pw_bus_t.
 */
#include "core/league/bus.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

void bus_publish_json(const pw_bus_t *bus, const char *type, const cJSON *obj)
{
	if (!bus || !bus->publish)
		return;
	char *s = obj ? cJSON_PrintUnformatted(obj) : NULL;
	bus->publish(bus->ud, type, s ? s : "{}");
	free(s);
}
