"""The division map: a folium-generated Leaflet page in QtWebEngine, served offline."""
